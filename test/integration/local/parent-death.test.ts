import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { identifyProcess } from "#local/processes/process-identity.ts";
import { ProcessLedger, type RecordedProcess } from "#local/processes/process-ledger.ts";
import { stopRecordedProcesses } from "#local/processes/stop-recorded-processes.ts";
import { childScript } from "#test/support/agents/child-script.ts";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";

const scratch = mkdtempSync(join(tmpdir(), "agentcron-orphans-"));
const started: ChildProcess[] = [];
const leftPids: number[] = [];
afterAll(() => {
  for (const child of started) if (child.pid) killQuietly(-child.pid);
  for (const pid of leftPids) killQuietly(pid);
  rmSync(scratch, { recursive: true, force: true });
});

function killQuietly(pid: number): void {
  try {
    signalProcess(pid, "SIGKILL");
  } catch {
    // gone
  }
}

let files = 0;
const scratchFile = (name: string) => join(scratch, `${++files}-${name}`);

/** spawn-grandchild.mjs as the leader of its own group; resolves with the leader and grandchild pids. */
async function processGroupWithGrandchild(
  mode: "wait" | "exit",
): Promise<{ leader: number; grandchild: number }> {
  const pidFile = scratchFile("pids");
  const child = spawn(process.execPath, [childScript("spawn-grandchild.mjs"), pidFile, mode], {
    detached: true,
    stdio: "ignore",
  });
  started.push(child);
  let text = "";
  await waitUntil(
    () => {
      try {
        text = readFileSync(pidFile, "utf8");
      } catch {
        return false;
      }
      return text.includes(" ");
    },
    30_000,
    "the process group to start",
  );
  const [leader, grandchild] = text.split(" ").map(Number);
  leftPids.push(leader ?? 0, grandchild ?? 0);
  return { leader: leader ?? 0, grandchild: grandchild ?? 0 };
}

function recorded(pid: number, role: RecordedProcess["role"] = "turn-child"): RecordedProcess {
  const identity = identifyProcess(pid);
  if (!identity) throw new Error(`process ${pid} is not running`);
  return { ...identity, role, leadsGroup: true, description: `test group ${pid}` };
}

/** A node process run with tsx that prints one line (its report) and then waits to be killed. */
async function helperProcess(script: string): Promise<{ child: ChildProcess; report: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  started.push(child);
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  await waitUntil(
    () => out.includes("\n") || child.exitCode !== null,
    150_000, // above the DynamoDB Local start limit a helper below may use
    "the helper process to report",
  );
  return { child, report: out.trim() };
}

describe("processes the local runtime started do not outlive it", () => {
  it("stops a recorded process group: its leader and the processes it started", async () => {
    // Prepare
    const group = await processGroupWithGrandchild("wait");
    // Act
    const stopped = await stopRecordedProcesses([recorded(group.leader)]);
    // Assess
    expect(stopped.map((entry) => entry.pid)).toEqual([group.leader]);
    await waitUntil(() => !isProcessRunning(group.grandchild), 10_000, "the grandchild to be gone");
    expect(isProcessRunning(group.leader)).toBe(false);
  });

  it("stops what remains of a recorded group whose leader already exited", async () => {
    // Prepare: the leader exits at once, leaving its grandchild in the group.
    const group = await processGroupWithGrandchild("exit");
    const entry = recorded(group.grandchild);
    const leaderEntry: RecordedProcess = { ...entry, pid: group.leader, startTime: entry.startTime };
    await waitUntil(() => !isProcessRunning(group.leader), 10_000, "the leader to exit");
    // Act: the ledger names the (dead) leader with a start time no later than its grandchild's.
    await stopRecordedProcesses([{ ...leaderEntry, startTime: earlier(entry.startTime) }]);
    // Assess
    await waitUntil(() => !isProcessRunning(group.grandchild), 10_000, "the grandchild to be gone");
  });

  it("never stops a live process whose PID matches but whose start time does not (a reused PID)", async () => {
    // Prepare
    const group = await processGroupWithGrandchild("wait");
    const reused = { ...recorded(group.leader), startTime: "another-boot:1" };
    // Act
    const stopped = await stopRecordedProcesses([reused]);
    // Assess
    expect(stopped).toEqual([]);
    expect(isProcessRunning(group.leader)).toBe(true);
    expect(isProcessRunning(group.grandchild)).toBe(true);
  });

  it("has its guardian stop the recorded processes when the runtime is killed with SIGKILL", async () => {
    // Prepare: a stand-in runtime that starts a guardian, then a process group it records.
    const group = await processGroupWithGrandchild("wait");
    const ledgerPath = scratchFile("processes.json");
    new ProcessLedger(ledgerPath).record(recorded(group.leader));
    const runtime = await helperProcess(`
      import { startGuardian } from "#local/processes/start-guardian.ts";
      const guardian = startGuardian(${JSON.stringify(ledgerPath)}, ${JSON.stringify(scratchFile("guardian.log"))});
      console.log(guardian.pid);
      setInterval(() => {}, 1000);`);
    const guardianPid = Number(runtime.report);
    leftPids.push(guardianPid);
    expect(isProcessRunning(guardianPid)).toBe(true);
    // Act
    runtime.child.kill("SIGKILL");
    // Assess
    await waitUntil(
      () => !isProcessRunning(group.leader),
      60_000,
      "the recorded group's leader to be stopped",
    );
    await waitUntil(() => !isProcessRunning(group.grandchild), 10_000, "its grandchild to be stopped");
    await waitUntil(() => !isProcessRunning(guardianPid), 10_000, "the guardian to exit");
  }, 240_000);

  it("stops DynamoDB Local when the process that started it is killed with SIGKILL", async () => {
    // Prepare: a process that starts DynamoDB Local and reports the JVM's pid.
    const runtime = await helperProcess(`
      import { startDynamoDbLocal } from "#local/emulators/dynamodb-local.ts";
      const dynamodb = await startDynamoDbLocal({ startTimeoutMs: 120_000 });
      console.log(dynamodb.wrapperPid + " " + dynamodb.javaPid);
      setInterval(() => {}, 1000);`);
    const [wrapperPid, javaPid] = runtime.report.split(" ").map(Number);
    leftPids.push(wrapperPid ?? 0, javaPid ?? 0);
    expect(isProcessRunning(javaPid ?? 0)).toBe(true);
    // Act
    runtime.child.kill("SIGKILL");
    // Assess
    await waitUntil(() => !isProcessRunning(javaPid ?? 0), 60_000, "the JVM to stop");
    await waitUntil(() => !isProcessRunning(wrapperPid ?? 0), 10_000, "its wrapper to exit");
  }, 240_000);
});

/** A start time one tick earlier (Linux identities are `<boot id>:<ticks>`). */
function earlier(startTime: string): string {
  const at = startTime.lastIndexOf(":");
  return `${startTime.slice(0, at)}:${Number(startTime.slice(at + 1)) - 1}`;
}
