import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Variables a child inherits from the runtime when the job asks for nothing more. Everything else
 * stays out: in Lambda the environment holds the turn function's AWS credentials, which a CLI agent
 * or MCP server has no business seeing.
 */
export const SAFE_INHERITED_ENV_NAMES: readonly string[] = [
  "HOME",
  "LANG",
  "LC_ALL",
  "LOGNAME",
  "PATH",
  "SHELL",
  "TERM",
  "TMPDIR",
  "TZ",
  "USER",
];

/** The environment of a child: the safe inherited names, the extra inherited names, then `set`. */
export function childEnvironment(
  set: Readonly<Record<string, string>>,
  inheritNames: readonly string[] = [],
  source: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...SAFE_INHERITED_ENV_NAMES, ...inheritNames]) {
    const value = source[name];
    if (value !== undefined) {
      env[name] = value;
    }
  }
  return { ...env, ...set };
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Told about every process group this process starts and ends (see {@link observeProcessGroups}). */
export interface ProcessGroupObserver {
  started(groupId: number): void;
  ended(groupId: number): void;
}

const observers = new Set<ProcessGroupObserver>();

/**
 * Registers an observer of the process groups started here (command agents, stdio MCP servers).
 * Each group leaves this process's own process group, so whoever runs this process cannot reach
 * them by signalling its group: the local runtime observes them to stop them when a turn process
 * is killed or dies. Returns a function that removes the observer.
 */
export function observeProcessGroups(observer: ProcessGroupObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

function notify(event: keyof ProcessGroupObserver, groupId: number): void {
  for (const observer of observers) {
    try {
      observer[event](groupId);
    } catch {
      // an observer's failure is not the spawner's
    }
  }
}

/**
 * Spawns `command` (never through a shell) as the leader of its own process group, with all three
 * stdio streams piped. The caller must attach stdout/stderr listeners at once and end the group with
 * {@link terminateProcessGroup}; if this process exits first, the group is SIGKILLed on the way out.
 */
export function spawnProcessGroup(
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string | undefined; readonly env: Readonly<Record<string, string>> },
): ChildProcessWithoutNullStreams {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
    shell: false,
    // Its own process group, so a stop reaches the grandchildren a CLI agent or `npx` starts too.
    detached: true,
    windowsHide: true,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    liveGroups.add(pid);
    notify("started", pid);
  }
  return child;
}

/**
 * Ends the process group led by `child`: SIGTERM to the whole group, then SIGKILL to whatever is
 * still alive after `graceMs`. Resolves once no live member remains (or a short while after the
 * SIGKILL). Safe to call for a group that is already gone. Never throws.
 */
export async function terminateProcessGroup(child: { readonly pid?: number | undefined }, graceMs: number) {
  const groupId = child.pid;
  if (groupId === undefined) {
    return;
  }
  try {
    if (!signalGroup(groupId, "SIGTERM")) {
      return;
    }
    if (await waitUntilGroupGone(groupId, graceMs)) {
      return;
    }
    signalGroup(groupId, "SIGKILL");
    await waitUntilGroupGone(groupId, 2_000);
  } finally {
    if (liveGroups.delete(groupId)) notify("ended", groupId);
  }
}

/** True while a process of the group is alive (zombies, already dead, do not count). */
function isProcessGroupAlive(groupId: number): boolean {
  const members = liveGroupMembersFromProc(groupId);
  if (members !== undefined) {
    return members > 0;
  }
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Sends `signal` to every process of the group; false when the group no longer exists. */
function signalGroup(groupId: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") {
      return false;
    }
    // No process groups (Windows) or no permission: fall back to the leader alone.
    try {
      process.kill(groupId, signal);
      return true;
    } catch {
      return false;
    }
  }
}

async function waitUntilGroupGone(groupId: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessGroupAlive(groupId)) {
    if (Date.now() >= deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * Counts the group's live members through /proc (Linux, including Lambda). `kill(-pgid, 0)` alone
 * would report an orphaned zombie as alive where PID 1 does not reap, and keep us waiting the full
 * grace. Returns undefined where /proc is not available.
 */
function liveGroupMembersFromProc(groupId: number): number | undefined {
  return liveProcessGroupMembers(groupId)?.length;
}

/**
 * The live (not zombie, not dead) members of process group `groupId`, read from /proc: each one's
 * PID and its start time in clock ticks since boot. Undefined where /proc is not available.
 */
export function liveProcessGroupMembers(
  groupId: number,
): { readonly pid: number; readonly startTicks: string }[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const members: { pid: number; startTicks: string }[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we were looking
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, ... starttime (the 20th).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) !== groupId || fields[0] === "Z" || fields[0] === "X") continue;
    members.push({ pid: Number(entry), startTicks: fields[19] ?? "" });
  }
  return members;
}

function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  // Detached groups outlive their parent; a process that exits while one is running must not leave
  // an agent working in the background (synchronous: nothing async runs in an exit handler).
  process.once("exit", () => {
    for (const groupId of liveGroups) {
      try {
        process.kill(-groupId, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}
