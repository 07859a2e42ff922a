import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { readProcessLedger } from "#local/processes/process-ledger.ts";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";

/** A local runtime started as a user starts it, in a process of its own. */
export interface RuntimeProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Waits for "agentcron: running" (startup can take a minute on a busy machine). */
  running(): Promise<void>;
}

/**
 * Starts `local/start.ts --plain --state-dir DIR ARGS` in its own process group, as a terminal's
 * foreground job: `node --import tsx` directly (the child is the runtime), or through
 * `timeout 900 npm start --` (the child is `timeout`, which signals npm and its whole group).
 */
export function startRuntimeProcess(
  stateDir: string,
  args: readonly string[],
  via: "node" | "timeout-npm-start" = "node",
): RuntimeProcess {
  const runtimeArgs = ["--plain", "--state-dir", stateDir, ...args];
  const [command, commandArgs] =
    via === "node"
      ? [process.execPath, ["--import", "tsx", "local/start.ts", ...runtimeArgs]]
      : ["timeout", ["900", "npm", "start", "--", ...runtimeArgs]];
  let output = "";
  const child = spawn(command, commandArgs, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    running: () =>
      waitUntil(
        () => output.includes("agentcron: running") || child.exitCode !== null,
        200_000, // npm, tsx and DynamoDB Local (up to 120 s on its own on a busy machine)
        "the runtime to start",
      ).then(() => {
        if (!output.includes("agentcron: running")) throw new Error(`the runtime did not start:\n${output}`);
      }),
  };
}

/** The pids of every live descendant of `pid` (Linux /proc). */
export function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() ?? 0;
    for (const child of parents.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found.filter(isProcessRunning);
}

/** The command line of a process ("" once it is gone). */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** The processes the runtime on `stateDir` has recorded as its own (its ledger, processes.json). */
export function recordedProcesses(stateDir: string) {
  return readProcessLedger(`${stateDir}/processes.json`);
}

/** Waits (generously: a busy machine) until none of `pids` is alive; fails naming those left. */
export async function waitUntilAllGone(pids: readonly number[], description: string): Promise<void> {
  try {
    await waitUntil(() => pids.every((pid) => !isProcessRunning(pid)), 60_000, description);
  } catch (error) {
    const left = pids.filter(isProcessRunning).map((pid) => `${pid} ${commandLineOf(pid)}`);
    throw new Error(`${(error as Error).message}; still running:\n${left.join("\n")}`);
  }
}

/** SIGKILLs whatever a failed test left behind. */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      signalProcess(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}
