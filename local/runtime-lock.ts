import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { identifyProcess, isSameProcessAlive, type ProcessIdentity } from "./processes/process-identity.ts";

/** Who holds a state directory: the runtime's process, and when it started. */
export interface RuntimeLockHolder extends ProcessIdentity {
  /** ISO-8601 time the runtime started. */
  readonly startedAt: string;
}

/** Raised when another live local runtime already uses the state directory. */
export class RuntimeAlreadyRunningError extends Error {
  override name = "RuntimeAlreadyRunningError";
  constructor(
    readonly stateDir: string,
    readonly holder: RuntimeLockHolder,
  ) {
    super(
      `another local runtime is already running with its state in ${stateDir}: pid ${holder.pid}, started ${holder.startedAt}. ` +
        `Two runtimes on one data directory would corrupt it, so this one did not start. ` +
        `Use the running one (npx agentcron ... talks to it), stop it first (Ctrl-C in its terminal, or \`kill ${holder.pid}\`: ` +
        "SIGTERM stops it cleanly), or start this one with another --state-dir.",
    );
  }
}

export interface RuntimeLock {
  readonly path: string;
  readonly holder: RuntimeLockHolder;
  /** The lock a runtime killed earlier left behind (taken over), if any. */
  readonly tookOverFrom?: RuntimeLockHolder;
  /** Removes the lock if it is still this process's. Synchronous, so it also works in an exit handler. */
  release(): void;
}

export function runtimeLockPath(stateDir: string): string {
  return join(stateDir, "runtime.lock");
}

/**
 * Makes this process the only local runtime using `stateDir`. The lock file, created exclusively,
 * names the holder by PID *and* process start time, so a lock left by a killed runtime whose PID
 * was later reused is still recognised as stale — and taken over.
 *
 * A takeover is itself guarded by an exclusive `runtime.lock.takeover` file: two runtimes that find
 * the same stale lock at once cannot both delete it and both start.
 *
 * @throws RuntimeAlreadyRunningError when a live runtime holds the lock.
 */
export function acquireRuntimeLock(stateDir: string, self: number = process.pid): RuntimeLock {
  mkdirSync(stateDir, { recursive: true });
  const path = runtimeLockPath(stateDir);
  const identity = identifyProcess(self);
  if (!identity) throw new Error(`cannot read the start time of process ${self}`);
  const holder: RuntimeLockHolder = { ...identity, startedAt: new Date().toISOString() };
  let tookOverFrom: RuntimeLockHolder | undefined;

  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(path, holder)) {
      return {
        path,
        holder,
        tookOverFrom,
        release: () => {
          if (sameHolder(readHolder(path), holder)) rmSync(path, { force: true });
        },
      };
    }
    const current = readHolder(path);
    if (current && isSameProcessAlive(current)) throw new RuntimeAlreadyRunningError(stateDir, current);
    // Stale (its process is gone, or the file is unreadable: a runtime killed while writing it).
    if (takeOverStaleLock(path, current)) tookOverFrom = current ?? tookOverFrom;
  }
  throw new Error(`could not take the lock ${path}: it kept changing hands; try again`);
}

/** The runtime holding `stateDir`, if one is alive. */
export function runningRuntime(stateDir: string): RuntimeLockHolder | undefined {
  const holder = readHolder(runtimeLockPath(stateDir));
  return holder && isSameProcessAlive(holder) ? holder : undefined;
}

/**
 * Creates `path` holding `holder`, unless it exists. The content is written to a private file first
 * and then hard-linked into place (atomic, and failing if the name exists), so nobody ever reads a
 * lock that was created but not yet written.
 */
function createExclusive(path: string, holder: RuntimeLockHolder): boolean {
  const draft = `${path}.${process.pid}.${Date.now()}.draft`;
  writeFileSync(draft, `${JSON.stringify(holder)}\n`);
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw error;
    // A file system without hard links: an exclusive create (a tiny window where it is empty).
    try {
      writeFileSync(path, `${JSON.stringify(holder)}\n`, { flag: "wx" });
      return true;
    } catch (fallbackError) {
      if ((fallbackError as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw fallbackError;
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

function readHolder(path: string): RuntimeLockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<RuntimeLockHolder>;
    if (typeof parsed.pid !== "number" || typeof parsed.startTime !== "string") return undefined;
    return { pid: parsed.pid, startTime: parsed.startTime, startedAt: String(parsed.startedAt) };
  } catch {
    return undefined;
  }
}

function sameHolder(a: RuntimeLockHolder | undefined, b: RuntimeLockHolder | undefined): boolean {
  return a !== undefined && b !== undefined && a.pid === b.pid && a.startTime === b.startTime;
}

/**
 * Removes the stale lock `seen`, under the takeover guard, only if it is still the one judged stale.
 * Returns true when it removed it (the caller then tries to create its own).
 */
function takeOverStaleLock(path: string, seen: RuntimeLockHolder | undefined): boolean {
  const guardPath = `${path}.takeover`;
  const self = identifyProcess(process.pid);
  if (!self) return false;
  if (!createExclusive(guardPath, { ...self, startedAt: new Date().toISOString() })) {
    const guard = readHolder(guardPath);
    // A takeover guard whose process died mid-takeover is itself stale; move it aside atomically.
    if (!guard || !isSameProcessAlive(guard)) {
      try {
        renameSync(guardPath, `${guardPath}.stale-${process.pid}`);
        rmSync(`${guardPath}.stale-${process.pid}`, { force: true });
      } catch {
        // someone else cleared it first
      }
    }
    waitBriefly();
    return false;
  }
  try {
    const current = readHolder(path);
    const unchanged = seen === undefined ? current === undefined : sameHolder(current, seen);
    if (!unchanged || (current && isSameProcessAlive(current))) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(guardPath, { force: true });
  }
}

/** A short synchronous pause between attempts while another process takes over (rare). */
function waitBriefly(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
}
