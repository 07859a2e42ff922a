import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { identifyProcess } from "#local/processes/process-identity.ts";
import {
  acquireRuntimeLock,
  RuntimeAlreadyRunningError,
  runningRuntime,
  runtimeLockPath,
} from "#local/runtime-lock.ts";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";

const scratch = mkdtempSync(join(tmpdir(), "agentcron-lock-"));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let dirs = 0;
const stateDir = () => join(scratch, `state-${++dirs}`);

/** A live process standing in for another runtime. */
function otherProcess(): number {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  children.push(child);
  return child.pid ?? 0;
}

function writeLock(dir: string, holder: { pid: number; startTime: string }): void {
  acquireRuntimeLock(dir).release(); // creates the directory
  writeFileSync(runtimeLockPath(dir), JSON.stringify({ ...holder, startedAt: "2026-11-22T05:00:00.000Z" }));
}

describe("one local runtime per state directory", () => {
  it("refuses a second runtime while the first lives, naming its pid and how to stop it", () => {
    // Prepare: another live process holds the lock.
    const dir = stateDir();
    const pid = otherProcess();
    const identity = identifyProcess(pid);
    writeLock(dir, { pid, startTime: identity?.startTime ?? "" });
    // Act
    let refused: unknown;
    try {
      acquireRuntimeLock(dir);
    } catch (error) {
      refused = error;
    }
    // Assess: refused, and the holder's lock is untouched.
    expect(refused).toBeInstanceOf(RuntimeAlreadyRunningError);
    expect((refused as Error).message).toContain(`pid ${pid}`);
    expect((refused as Error).message).toContain(`kill ${pid}`);
    expect((refused as Error).message).toContain("--state-dir");
    expect(JSON.parse(readFileSync(runtimeLockPath(dir), "utf8")).pid).toBe(pid);
    expect(runningRuntime(dir)?.pid).toBe(pid);
  });

  it("takes over the lock of a runtime that is gone", async () => {
    // Prepare: the holder was killed.
    const dir = stateDir();
    const pid = otherProcess();
    const identity = identifyProcess(pid);
    writeLock(dir, { pid, startTime: identity?.startTime ?? "" });
    signalProcess(pid, "SIGKILL");
    await waitUntil(() => !isProcessRunning(pid), 10_000, "the old holder to die");
    // Act
    const lock = acquireRuntimeLock(dir);
    // Assess
    expect(lock.tookOverFrom?.pid).toBe(pid);
    expect(JSON.parse(readFileSync(lock.path, "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock whose PID now belongs to another process (PID reuse)", () => {
    // Prepare: the lock names a live PID, but with a start time that is not that process's.
    const dir = stateDir();
    const pid = otherProcess();
    writeLock(dir, { pid, startTime: "an-earlier-boot:12345" });
    // Act
    const lock = acquireRuntimeLock(dir);
    // Assess
    expect(lock.tookOverFrom?.pid).toBe(pid);
    expect(runningRuntime(dir)?.pid).toBe(process.pid);
    lock.release();
  });

  it("takes over an unreadable lock, and releasing removes only its own lock", () => {
    // Prepare
    const dir = stateDir();
    acquireRuntimeLock(dir).release();
    writeFileSync(runtimeLockPath(dir), "{ not json");
    // Act
    const lock = acquireRuntimeLock(dir);
    const pid = otherProcess();
    writeFileSync(
      runtimeLockPath(dir),
      JSON.stringify({ pid, startTime: identifyProcess(pid)?.startTime, startedAt: "x" }),
    );
    lock.release();
    // Assess: the newer holder's lock survives the older one's release.
    expect(existsSync(runtimeLockPath(dir))).toBe(true);
    expect(runningRuntime(dir)?.pid).toBe(pid);
  });

  it("lets exactly one of several processes starting at once on a stale lock win", async () => {
    // Prepare: a stale lock, and five processes racing to take it.
    const dir = stateDir();
    writeLock(dir, { pid: 999_999_999, startTime: "gone:1" });
    const script = `
      import { acquireRuntimeLock } from "#local/runtime-lock.ts";
      try { acquireRuntimeLock(process.argv[1]); console.log("won"); setInterval(() => {}, 1000); }
      catch (error) { console.log(error.name); }`;
    // Act
    const outputs = await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(
              process.execPath,
              ["--import", "tsx", "--input-type=module", "-e", script, dir],
              {
                stdio: ["ignore", "pipe", "inherit"],
              },
            );
            children.push(child);
            let out = "";
            child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
              out += chunk;
              if (out.includes("\n")) resolve(out.trim());
            });
            child.once("exit", () => resolve(out.trim()));
          }),
      ),
    );
    // Assess
    expect(outputs.filter((output) => output === "won")).toHaveLength(1);
    expect(outputs.filter((output) => output === "RuntimeAlreadyRunningError")).toHaveLength(4);
  });
});
