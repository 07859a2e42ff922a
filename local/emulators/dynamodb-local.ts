import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { findFreeLoopbackPort } from "./free-port.ts";

/** Raised when DynamoDB Local cannot start; the message says what to do. */
export class DynamoDbLocalStartError extends Error {
  override name = "DynamoDbLocalStartError";
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT` — pass as the DynamoDB client's endpoint. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Keep data in this folder between restarts. @default in-memory */
  dataDir?: string;
  /** @default a free loopback port */
  port?: number;
  /** @default 30000 */
  startTimeoutMs?: number;
}

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

  // A terminal's Ctrl-C reaches the whole foreground process group, and a JVM dies at SIGINT at once
  // — under turns still recording their outcome. Started with SIGINT ignored (a disposition the
  // JVM inherits through exec and respects), it stays in our group, so killing the group still
  // takes it down, and the runtime stops it last with SIGTERM.
  const child = spawn("/bin/sh", ["-c", 'trap "" INT; exec "$0" "$@"', java, ...args], {
    cwd: emulatorDir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // If this Node process dies without calling stop(), do not leave a JVM behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new DynamoDbLocalStartError(
      `DynamoDB Local did not start on ${endpoint}: ${(error as Error).message}\n--- its output ---\n${output}`,
    );
  }
  return { endpoint, port, stop: () => stopProcess(child) };
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

async function waitUntilServing(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the java process exited with code ${child.exitCode}`);
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

/** SIGTERM, then SIGKILL if the process has not exited within 5 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
