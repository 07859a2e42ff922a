// The local runtime's guardian: a small process of its own (its own process group, so no terminal
// Ctrl-C or signal to the runtime's group reaches it) whose stdin is a pipe from the runtime. The
// pipe reaches end-of-file when the runtime exits, however it exits — `kill -9` included. Then the
// guardian stops every process the runtime recorded in its ledger and had not seen end: turn
// processes (a turn that blocks its event loop cannot notice its parent is gone by itself), the
// agents and MCP servers they started, DynamoDB Local. A runtime that stops cleanly empties the
// ledger first, so the guardian then has nothing to do.
//
// argv[2]: the ledger file.
import { readProcessLedger } from "./process-ledger.ts";
import { stopRecordedProcesses } from "./stop-recorded-processes.ts";

const ledgerPath = process.argv[2] ?? "";
let guarding = true;

async function stopWhatTheRuntimeLeft(): Promise<void> {
  if (!guarding) return;
  guarding = false;
  const stopped = await stopRecordedProcesses(readProcessLedger(ledgerPath));
  if (stopped.length > 0) {
    // One JSON line, like every other line of the runtime's log file.
    const line = {
      level: "WARN",
      message: "the runtime exited without stopping its processes; the guardian stopped them",
      timestamp: new Date().toISOString(),
      service: "agentcron-guardian",
      stopped: stopped.map((entry) => ({ pid: entry.pid, what: entry.description })),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  }
  process.exit(0);
}

process.on("SIGINT", () => {});
process.stdin.on("data", () => {});
process.stdin.once("end", () => void stopWhatTheRuntimeLeft());
process.stdin.once("close", () => void stopWhatTheRuntimeLeft());
process.stdin.once("error", () => void stopWhatTheRuntimeLeft());
process.stdin.resume();
