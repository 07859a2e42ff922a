import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const guardianEntry = join(dirname(fileURLToPath(import.meta.url)), "guardian.ts");

export interface Guardian {
  readonly pid: number;
  /** Ends the guardian (it stops whatever the ledger still lists, then exits) and waits for it. */
  stop(): Promise<void>;
}

/**
 * Starts the guardian of a local runtime (see guardian.ts): it stops the processes listed in
 * `ledgerPath` once this process exits, however it exits. Its own messages go to `logFile`.
 */
export function startGuardian(ledgerPath: string, logFile: string): Guardian {
  // The runtime's own file logger creates the folder, but a runtime started with another logger
  // (a test, a benchmark) has none yet.
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, "a");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", guardianEntry, ledgerPath], {
    stdio: ["pipe", log, log],
    detached: true,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
  });
  closeSync(log);
  // Our end of the pipe must not keep the event loop alive: the runtime exits when it is done.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.ref(); // keep this process alive until it has exited
      child.stdin?.end();
      await exited;
    },
  };
}
