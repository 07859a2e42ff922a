import { readFileSync } from "node:fs";

/**
 * `process.kill` for tests, refusing the pids that mean "everyone": 0 (the test runner's own process
 * group), -1 (every process the user may signal) and 1 (init) — what a missing pid (`child.pid ?? 0`,
 * an empty pid file read as `Number("")`) would otherwise signal, taking CI down with the test.
 */
export function signalProcess(pid: number | undefined, signal: NodeJS.Signals | 0 = "SIGTERM"): void {
  process.kill(checkedPid(pid), signal);
}

function checkedPid(pid: number | undefined): number {
  if (pid === undefined || !Number.isInteger(pid) || Math.abs(pid) <= 1) {
    throw new Error(
      `no process to signal: pid ${String(pid)} (a child that never started, or a pid not yet written?)`,
    );
  }
  return pid;
}

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
export function isProcessRunning(pid: number): boolean {
  checkedPid(pid);
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}
