import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { identifyProcess } from "../processes/process-identity.ts";
import { findFreeLoopbackPort } from "./free-port.ts";

const DEFAULT_START_TIMEOUT_MS = 120_000;

/** Raised when DynamoDB Local cannot start; the message says what to do. */
export class DynamoDbLocalStartError extends Error {
  override name = "DynamoDbLocalStartError";
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT` — pass as the DynamoDB client's endpoint. */
  readonly endpoint: string;
  readonly port: number;
  /** The wrapper's pid, which leads the process group DynamoDB Local runs in. */
  readonly wrapperPid: number;
  /** The JVM's pid. */
  readonly javaPid: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Keep data in this folder between restarts. @default in-memory */
  dataDir?: string;
  /** @default a free loopback port */
  port?: number;
  /**
   * How long to wait for it to answer. A JVM start takes 2-5 s on an idle machine but 30 s and more
   * on a busy 2-core one (CI, several test files starting their own); the probe returns as soon as it
   * answers, so the limit only decides when to give up on a hung start.
   * @default 120000
   */
  startTimeoutMs?: number;
}

/**
 * A local emulator wants a quick start, not peak throughput: compiling with C1 only and a
 * single-threaded collector starts DynamoDB Local 2-3 times faster on a busy 2-core machine
 * (7 s instead of 18 s to the first answer under load) — every test run, `npm start` and a CLI
 * reading a stopped runtime's history wait for it.
 */
const JVM_QUICK_START = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

/**
 * Starts Amazon's DynamoDB Local (the jar shipped inside the `amplify-dynamodb-simulator` npm
 * package) on Java, listening on a loopback port, and waits until it answers ListTables.
 *
 * @throws DynamoDbLocalStartError when Java is missing or the server does not come up in time.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = findJava();
  const emulatorDir = findEmulatorDir();
  const port = options.port ?? (await findFreeLoopbackPort());
  const args = [
    ...JVM_QUICK_START,
    `-Djava.library.path=${join(emulatorDir, "DynamoDBLocal_lib")}`,
    "-jar",
    join(emulatorDir, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    // One database for every credential and region, so the CLI, the tests and the runtime
    // all see the same tables whatever AWS_REGION/credentials they happen to carry.
    "-sharedDb",
    "-disableTelemetry",
  ];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push("-dbPath", options.dataDir);
  } else {
    args.push("-inMemory");
  }

  // DynamoDB Local runs under a small shell wrapper that leads a process group of its own, so neither
  // a terminal's Ctrl-C nor a signal to our process group stops it under turns still recording
  // their outcome: we stop it last. The wrapper is also its parent-death watch: its stdin is a pipe
  // from this process, which reaches end-of-file when this process exits — however it exits, kill -9
  // included — and then it stops the JVM. stop() closes that pipe too.
  const child = spawn("/bin/sh", ["-c", PARENT_DEATH_WRAPPER, "dynamodb-local", java, ...args], {
    cwd: emulatorDir,
    stdio: ["pipe", "pipe", "pipe", "pipe"],
    detached: true,
  });
  const javaPid = readJavaPid(child);
  // If this Node process exits without calling stop(), the closing pipe stops it; SIGKILL the group
  // as well, in case the exit is a crash in the middle of startup.
  const killOnExit = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const endpoint = `http://127.0.0.1:${port}`;
  let pid: number;
  try {
    pid = await javaPid;
    await waitUntilServing(
      endpoint,
      () => identifyProcess(pid) !== undefined,
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    );
  } catch (error) {
    killOnExit();
    throw new DynamoDbLocalStartError(
      `DynamoDB Local did not start on ${endpoint}: ${(error as Error).message}\n--- its output ---\n${output}`,
    );
  }
  return { endpoint, port, wrapperPid: child.pid ?? 0, javaPid: pid, stop: () => stopWrapper(child) };
}

/**
 * `sh -c` script: starts "$@" (java ...) in the background, writes its pid to fd 3, then waits for
 * end-of-file on stdin — the parent exited or called stop() — and stops it with SIGTERM.
 */
const PARENT_DEATH_WRAPPER = [
  '"$@" </dev/null 3>&- &',
  "java_pid=$!",
  'echo "$java_pid" >&3',
  "exec 3>&-",
  "while read -r _; do :; done",
  'kill -TERM "$java_pid" 2>/dev/null',
  'wait "$java_pid"',
].join("\n");

function readJavaPid(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = "";
    const pidStream = child.stdio[3] as NodeJS.ReadableStream | null;
    if (!pidStream) return reject(new Error("the wrapper has no pid pipe"));
    pidStream.setEncoding("utf8");
    pidStream.on("data", (chunk: string) => {
      text += chunk;
    });
    pidStream.on("end", () => {
      const pid = Number(text.trim());
      if (Number.isInteger(pid) && pid > 1) resolve(pid);
      else reject(new Error("the wrapper did not report the java process"));
    });
    child.once("error", reject);
  });
}

function findJava(): string {
  const candidates = [process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : undefined, "java"];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ["-version"], { encoding: "utf8" });
    if (probe.status === 0) return candidate;
  }
  throw new DynamoDbLocalStartError(
    "Java was not found, and DynamoDB Local (Amazon's jar) needs a Java 17+ runtime. " +
      "Install one (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`; " +
      "macOS: `brew install openjdk@17`) or set JAVA_HOME to an existing JDK, then run the command again.",
  );
}

function findEmulatorDir(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve("amplify-dynamodb-simulator/package.json");
  } catch {
    throw new DynamoDbLocalStartError(
      "The npm package `amplify-dynamodb-simulator` (which ships DynamoDB Local) is not installed. Run `npm ci`.",
    );
  }
  const dir = join(dirname(packageJson), "emulator");
  if (!existsSync(join(dir, "DynamoDBLocal.jar"))) {
    throw new DynamoDbLocalStartError(`DynamoDBLocal.jar is missing from ${dir}. Reinstall with \`npm ci\`.`);
  }
  return dir;
}

async function waitUntilServing(
  endpoint: string,
  javaAlive: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (!javaAlive()) throw new Error("the java process exited");
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`no answer after ${timeoutMs} ms (${(error as Error).message})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * Closes the wrapper's stdin (it stops the JVM with SIGTERM and exits when the JVM has), then
 * SIGKILLs the whole group if it is still there after 5 s.
 */
async function stopWrapper(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}
