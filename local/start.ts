// `npm start`: the embedded local runtime. See README "Run it locally".
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startLocalConsole } from "../cli/console/local-console.ts";
import { DynamoDbLocalStartError } from "./emulators/dynamodb-local.ts";
import { createFileLogger } from "./file-logger.ts";
import { startLocalRuntime } from "./runtime.ts";
import { acquireRuntimeLock, RuntimeAlreadyRunningError } from "./runtime-lock.ts";
import { startTerminalView } from "./terminal-view.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const usage = `Usage: npm start -- [options]

Runs agentcron on this machine: DynamoDB Local and an SQS emulator on loopback, the jobs in
jobs.json on their schedules, each turn in its own process. Ctrl-C (or SIGTERM) stops it cleanly.
One runtime per state directory: a second start on the same one exits at once (code 1).

Options:
  --jobs FILE        job set to apply at start (default: jobs.json)
  --no-jobs          apply no job set (keep what the table holds)
  --in-memory        keep no data between runs (default: .agentcron/data)
  --state-dir DIR    where data, logs and the runtime state live (default: .agentcron)
  --max-turns N      turns running at once (default: 4)
  --plain            no live view: one line per finished run (default when not a TTY)
  --console-port N   the operator console's port on 127.0.0.1 (default: a free one)
  --no-console       do not start the operator console
  -h, --help         this help
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "jobs.json" },
      "no-jobs": { type: "boolean", default: false },
      "in-memory": { type: "boolean", default: false },
      "state-dir": { type: "string", default: ".agentcron" },
      "max-turns": { type: "string", default: "4" },
      plain: { type: "boolean", default: false },
      "console-port": { type: "string" },
      "no-console": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const consolePort = values["console-port"] !== undefined ? Number(values["console-port"]) : undefined;
  if (
    consolePort !== undefined &&
    !(Number.isInteger(consolePort) && consolePort >= 1 && consolePort <= 65_535)
  ) {
    process.stderr.write(
      `agentcron: --console-port must be a port number (1-65535), got "${values["console-port"]}"\n`,
    );
    return 2;
  }
  const stateDir = resolve(values["state-dir"]);
  const logFile = join(stateDir, "logs", "agentcron.log");
  const live = process.stdout.isTTY === true && !values.plain;
  const log = createFileLogger({
    path: logFile,
    level: "INFO",
    fields: { service: "agentcron-local" },
    echo: live
      ? undefined
      : (line, level) => (level === "ERROR" || level === "WARN") && process.stderr.write(`${line}\n`),
  });
  // First, before anything is printed or started: a second runtime on this state directory stops here.
  const lock = acquireRuntimeLock(stateDir);
  // Ctrl-C and SIGTERM (`timeout 120 npm start`, a service manager) stop the runtime the same clean
  // way. Listening from the start: a signal during startup stops it once it is up, instead of
  // killing it halfway with its lock and emulators left behind.
  const stopRequested = new Promise<void>((resolveStop) => {
    let firstSignalAt: number | undefined;
    const onSignal = () => {
      if (firstSignalAt !== undefined) {
        // npm and tsx relay the terminal's Ctrl-C (and `timeout` signals the whole group), so one
        // request can arrive twice within milliseconds; only a second one a moment later means
        // "stop now". The guardian then stops what is left. 3 s: a relay delayed on a busy machine
        // must not count as the operator's second Ctrl-C.
        if (Date.now() - firstSignalAt < 3000) return;
        process.stderr.write("agentcron: stopping now (second signal)\n");
        process.exit(130);
      }
      firstSignalAt = Date.now();
      resolveStop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  process.stdout.write(`agentcron: starting DynamoDB Local and the SQS emulator (logs: ${logFile})\n`);
  const runtime = await startLocalRuntime({
    jobsFile: values["no-jobs"] ? undefined : values.jobs,
    inMemory: values["in-memory"],
    stateDir,
    maxConcurrentTurns: Number(values["max-turns"]),
    log,
    lock,
  });
  if (runtime.tookOverFrom) {
    process.stdout.write(
      `agentcron: the previous runtime on ${stateDir} (pid ${runtime.tookOverFrom.pid}) is gone without stopping cleanly; took over its lock\n`,
    );
  }
  if (runtime.orphansStopped.length > 0) {
    process.stdout.write(
      `agentcron: stopped ${runtime.orphansStopped.length} process(es) it left running before opening the data: ${runtime.orphansStopped
        .map((entry) => `${entry.description} (pid ${entry.pid})`)
        .join(", ")}\n`,
    );
  }
  for (const change of runtime.applied?.changes ?? []) {
    process.stdout.write(
      `  job ${change.jobId}: ${change.kind}${change.changedFields ? ` (${change.changedFields.join(", ")})` : ""}${change.keptOperatorEnabled ? " (kept paused/resumed as an operator set it with the CLI)" : ""}\n`,
    );
  }
  process.stdout.write(
    `agentcron: running — DynamoDB ${runtime.state.dynamodbEndpoint}, SQS ${runtime.state.sqsEndpoint}\n`,
  );
  const operatorConsole = values["no-console"]
    ? undefined
    : await startLocalConsole({
        state: runtime.state,
        stateDir,
        port: consolePort,
        onError: (error) => log.error("console request failed", { error: String(error) }),
      }).catch(async (error: unknown) => {
        await runtime.stop();
        throw error;
      });
  if (operatorConsole) process.stdout.write(`agentcron: console ${operatorConsole.url}\n`);
  const stopView = startTerminalView(runtime, process.stdout, { consoleUrl: operatorConsole?.url });

  await stopRequested;
  stopView();
  await operatorConsole?.close();
  const running = runtime.activeInvocations.size;
  process.stdout.write(
    `agentcron: stopping${running > 0 ? `; ${running} running turn(s) stop and record themselves as cancelled` : ""}...\n`,
  );
  await runtime.stop();
  process.stdout.write("agentcron: stopped\n");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof DynamoDbLocalStartError || error instanceof RuntimeAlreadyRunningError)
      process.stderr.write(`agentcron: ${error.message}\n`);
    else
      process.stderr.write(
        `agentcron: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    process.exit(1);
  },
);
