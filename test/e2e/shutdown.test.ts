import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";
import { runAgentcron } from "./support/cli.ts";

const directory = mkdtempSync(join(tmpdir(), "agentcron-shutdown-"));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started)
    if (child.pid && isProcessRunning(child.pid)) signalProcess(-child.pid, "SIGKILL");
  rmSync(directory, { recursive: true, force: true });
});

/** `npm start` as a user runs it: its own process group, as a terminal's foreground job. */
function startRuntime(args: string[]): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "local/start.ts", "--plain", "--state-dir", directory, ...args],
    {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  started.push(child);
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  return { child, output: () => output };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

describe("stopping the local runtime", () => {
  it("on Ctrl-C records a turn in flight as cancelled and leaves no process behind", async () => {
    // Prepare: a runtime with a long-running job, and a run of it in flight.
    const jobsFile = join(directory, "jobs.json");
    writeFileSync(
      jobsFile,
      JSON.stringify({
        jobs: [
          {
            id: "long-turn",
            schedule: "rate(1 day)",
            agent: { harness: "demo", prompt: "x", options: { delayMs: 120_000 } },
            timeouts: { agentTurnSeconds: 180 },
          },
        ],
      }),
    );
    const first = startRuntime(["--jobs", jobsFile]);
    // Starting waits for DynamoDB Local, which has up to 120 s on a busy machine.
    await waitUntil(() => first.output().includes("agentcron: running"), 150_000, "the runtime to start");
    const fired = await runAgentcron(["--state-dir", directory, "run", "long-turn", "--json"]);
    const runId = (fired.json as { runId?: string }).runId ?? "";
    await waitUntil(
      async () =>
        (
          (await runAgentcron(["--state-dir", directory, "inspect", runId, "--json"])).json as {
            run?: { phase?: string };
          }
        )?.run?.phase === "agent-turn",
      90_000, // each poll is a CLI start; the turn's process start takes seconds on a busy machine
      "the turn to reach agent-turn",
    );
    const group = first.child.pid ?? 0;

    // Act: a terminal's Ctrl-C reaches the whole foreground process group.
    signalProcess(-group, "SIGINT");
    const code = await exited(first.child);

    // Assess: it stopped cleanly, with nothing of its group left running...
    expect(code).toBe(0);
    expect(first.output()).toContain("agentcron: stopped");
    await waitUntil(() => !processGroupAlive(group), 60_000, "every process of the runtime to exit");
    expect(databaseProcesses()).toEqual([]); // DynamoDB Local ignores Ctrl-C; the runtime stops it last
    // ...and, read back by a new runtime on the same data, the run was recorded as cancelled.
    const second = startRuntime(["--no-jobs"]);
    await waitUntil(() => second.output().includes("agentcron: running"), 150_000, "the runtime to restart");
    const inspected = await runAgentcron(["--state-dir", directory, "inspect", runId, "--json"]);
    expect(inspected.json).toMatchObject({
      run: { status: "cancelled", error: { class: "RuntimeShutdownError" } },
    });
    signalProcess(-(second.child.pid ?? 0), "SIGINT");
    expect(await exited(second.child)).toBe(0);
  }, 420_000);
});

/** DynamoDB Local processes serving this test's data folder. */
function databaseProcesses(): string[] {
  const result = spawnSync("pgrep", ["-f", join(directory, "data")], { encoding: "utf8" });
  return result.stdout.split("\n").filter(Boolean);
}

/** Whether any process of the group is still alive. */
function processGroupAlive(group: number): boolean {
  try {
    signalProcess(-group, 0);
    return true;
  } catch {
    return false;
  }
}
