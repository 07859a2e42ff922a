import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { childScript } from "#test/support/agents/child-script.ts";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";
import { runAgentcron } from "./support/cli.ts";
import {
  commandLineOf,
  descendantsOf,
  killAll,
  type RuntimeProcess,
  recordedProcesses,
  startRuntimeProcess,
  waitUntilAllGone,
} from "./support/runtime-process.ts";

const directory = mkdtempSync(join(tmpdir(), "agentcron-orphans-"));
const leftovers = new Set<number>();
afterAll(() => {
  killAll(leftovers);
  rmSync(directory, { recursive: true, force: true });
});

/** Starts a runtime on `stateDir` and remembers every process it starts, to clean up after a failure. */
async function started(stateDir: string, args: string[]): Promise<RuntimeProcess> {
  const runtime = startRuntimeProcess(stateDir, args);
  if (runtime.child.pid) leftovers.add(runtime.child.pid);
  await runtime.running();
  for (const pid of descendantsOf(runtime.child.pid ?? 0)) leftovers.add(pid);
  return runtime;
}

function jobsFile(name: string, jobs: unknown[]): string {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify({ jobs }));
  return path;
}

/** Fires `jobId` and waits until its run is in its agent turn; returns the run id. */
async function runInAgentTurn(stateDir: string, jobId: string): Promise<string> {
  const fired = await runAgentcron(["--state-dir", stateDir, "--json", "run", jobId]);
  const runId = (fired.json as { runId?: string }).runId ?? "";
  await waitUntil(
    async () =>
      (
        (await runAgentcron(["--state-dir", stateDir, "--json", "inspect", runId])).json as {
          run?: { phase?: string };
        }
      )?.run?.phase === "agent-turn",
    90_000,
    `run ${runId} to reach its agent turn`,
  );
  return runId;
}

describe("one local runtime per state directory", () => {
  it("refuses a second start at once, naming the running PID and how to stop it, and leaves the first untouched", async () => {
    // Prepare
    const stateDir = join(directory, "single");
    const first = await started(stateDir, ["--no-jobs", "--in-memory"]);
    const published = readFileSync(join(stateDir, "local-runtime.json"), "utf8");
    // Act
    const second = startRuntimeProcess(stateDir, ["--no-jobs", "--in-memory"]);
    const code = await second.exited;
    // Assess: refused with the holder's pid and the way out; the first still runs and is still published.
    expect(code).toBe(1);
    expect(second.output()).toContain(`pid ${first.child.pid}`);
    expect(second.output()).toContain(`kill ${first.child.pid}`);
    expect(second.output()).not.toContain("starting DynamoDB Local");
    expect(readFileSync(join(stateDir, "local-runtime.json"), "utf8")).toBe(published);
    const listed = await runAgentcron(["--state-dir", stateDir, "jobs", "list"]);
    expect(listed.code).toBe(0);
    signalProcess(first.child.pid, "SIGINT");
    expect(await first.exited).toBe(0);
  });
});

describe("kill -9 of the local runtime", () => {
  it("takes DynamoDB Local, the turn in flight, its MCP plugin server and its command child down with it", async () => {
    // Prepare: a turn in its agent turn, with a stdio MCP server and a command agent that sleeps.
    const stateDir = join(directory, "killed");
    const jobs = jobsFile("children.json", [
      {
        id: "with-children",
        schedule: "rate(1 day)",
        agent: { harness: "command", prompt: "x", options: { command: "sh", args: ["-c", "sleep 100000"] } },
        plugins: [
          {
            name: "orders",
            type: "mcp",
            timeoutSeconds: 60,
            options: {
              transport: "stdio",
              command: process.execPath,
              args: [childScript("mcp-stdio-server.mjs")],
              cwd: process.cwd(),
            },
          },
        ],
        timeouts: { runtimePluginsSeconds: 65, agentTurnSeconds: 600 },
      },
    ]);
    const runtime = await started(stateDir, ["--jobs", jobs, "--in-memory"]);
    await runInAgentTurn(stateDir, "with-children");
    await waitUntil(
      () => recordedProcesses(stateDir).filter((entry) => entry.role === "turn-child").length === 2,
      60_000,
      "the turn's MCP server and command agent to be recorded",
    );
    const everything = descendantsOf(runtime.child.pid ?? 0);
    for (const pid of everything) leftovers.add(pid);
    const commands = everything.map(commandLineOf).join("\n");
    expect(commands).toContain("mcp-stdio-server.mjs");
    expect(commands).toContain("sleep 100000");
    expect(commands).toContain("DynamoDBLocal.jar");

    // Act
    signalProcess(runtime.child.pid, "SIGKILL");

    // Assess: every process it had started is gone, without anything else being started.
    await waitUntilAllGone(everything, "every process of the killed runtime to be gone");
  }, 420_000); // its own steps add up past the default 180 s on a busy machine

  it("has the next start stop what a killed runtime left running before it opens the data", async () => {
    // Prepare: a turn blocking its event loop (it cannot notice its parent dying), then the runtime
    // killed together with its guardian and DynamoDB Local's wrapper — leaving the JVM and the turn.
    const stateDir = join(directory, "orphans");
    const jobs = jobsFile("blocked.json", [
      {
        id: "blocked",
        schedule: "rate(1 day)",
        agent: { harness: "demo", prompt: "x", options: { blockEventLoopMs: 600_000 } },
        timeouts: { agentTurnSeconds: 600 },
        leaseSeconds: 600,
      },
    ]);
    const first = await started(stateDir, ["--jobs", jobs]);
    const runId = await runInAgentTurn(stateDir, "blocked");
    const recorded = recordedProcesses(stateDir);
    const turn = recorded.find((entry) => entry.role === "turn")?.pid ?? 0;
    const java = recorded.find((entry) => entry.description.includes("java"))?.pid ?? 0;
    const wrapper = recorded.find((entry) => entry.description.includes("wrapper"))?.pid ?? 0;
    const guardian =
      descendantsOf(first.child.pid ?? 0).find((pid) => commandLineOf(pid).includes("guardian.ts")) ?? 0;
    for (const pid of [turn, java, wrapper, guardian]) leftovers.add(pid);
    for (const pid of [guardian, wrapper, first.child.pid ?? 0]) signalProcess(pid, "SIGKILL");
    await first.exited;
    await waitUntil(() => !isProcessRunning(guardian) && !isProcessRunning(wrapper), 30_000, "the kills");
    expect(isProcessRunning(turn)).toBe(true);
    expect(isProcessRunning(java)).toBe(true);

    // Act
    const second = await started(stateDir, ["--no-jobs"]);

    // Assess: the orphans are gone, named in its output, and it runs on the same data.
    expect(isProcessRunning(turn)).toBe(false);
    expect(isProcessRunning(java)).toBe(false);
    expect(second.output()).toContain(`previous runtime on ${stateDir} (pid ${first.child.pid})`);
    expect(second.output()).toMatch(/stopped \d process\(es\) it left running before opening the data/);
    expect(second.output()).toContain(`turn of run ${runId} (job blocked) (pid ${turn})`);
    expect(second.output()).toContain(`DynamoDB Local (java) (pid ${java})`);
    const inspected = await runAgentcron(["--state-dir", stateDir, "--json", "inspect", runId]);
    expect(inspected.code).toBe(0);
    signalProcess(second.child.pid, "SIGINT");
    expect(await second.exited).toBe(0);
  }, 420_000); // its own steps add up past the default 180 s on a busy machine
});
