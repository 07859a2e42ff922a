import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProcessGroupAlive } from "#local/processes/process-groups.ts";
import type { ActiveInvocation } from "#local/runtime.ts";
import { childScript } from "#test/support/agents/child-script.ts";
import { isProcessRunning, signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
beforeAll(async () => {
  local = await startTestRuntime();
});
afterAll(async () => {
  await local?.stop();
});

/** Fires `jobId` and returns its run id and, once its turn's process is up, the invocation. */
async function fireAndFindTurn(jobId: string): Promise<{ runId: string; invocation: ActiveInvocation }> {
  const fired = await local.cli(["--json", "run", jobId]);
  const runId = (fired.json as { runId: string }).runId;
  let invocation: ActiveInvocation | undefined;
  await waitUntil(
    () => {
      invocation = [...local.runtime.activeInvocations.values()].find((active) => active.runId === runId);
      return invocation !== undefined;
    },
    60_000,
    `the turn process of run ${runId}`,
  );
  if (!invocation) throw new Error("unreachable");
  return { runId, invocation };
}

describe("a turn's processes, locally", () => {
  it("kills the MCP plugin server and the command agent a turn started when the turn's process is killed with SIGKILL", async () => {
    // Prepare: a turn with a stdio MCP server and a command agent that sleeps.
    const file = local.writeJobs("children.json", [
      demoJob({
        id: "with-children",
        agent: { harness: "command", prompt: "x", options: { command: "sh", args: ["-c", "sleep 100000"] } },
        plugins: [
          {
            name: "orders",
            type: "mcp",
            timeoutSeconds: 60,
            required: true,
            options: {
              transport: "stdio",
              command: process.execPath,
              args: [childScript("mcp-stdio-server.mjs")],
              cwd: process.cwd(),
            },
          },
        ],
        timeouts: { runtimePluginsSeconds: 65, agentTurnSeconds: 300 },
      }),
    ]);
    expect((await local.cli(["jobs", "apply", "-f", file, "--yes"])).code).toBe(0);
    const { invocation } = await fireAndFindTurn("with-children");
    await waitUntil(
      () => invocation.handle.childGroups.size === 2,
      60_000,
      "the MCP server and the agent to start",
    );
    const groups = [...invocation.handle.childGroups];
    expect(groups.every(isProcessGroupAlive)).toBe(true);

    // Act
    signalProcess(invocation.pid, "SIGKILL");

    // Assess: nothing the turn started survives it.
    const result = await invocation.ended;
    expect(result).toMatchObject({ kind: "crashed", signal: "SIGKILL" });
    // SIGKILL is sent when the turn's exit is seen; the kernel takes the groups down in its own time.
    await waitUntil(() => !groups.some(isProcessGroupAlive), 30_000, "the turn's process groups to be gone");
  });

  it("kills a turn whose event loop is blocked before the sweeper writes that its process is gone", async () => {
    // Prepare: a turn that blocks its event loop in its agent turn, on a 15 s lease.
    const file = local.writeJobs("blocked.json", [
      demoJob({
        id: "blocked-loop",
        leaseSeconds: 15,
        timeouts: { agentTurnSeconds: 300 },
        options: { blockEventLoopMs: 600_000 },
      }),
    ]);
    expect((await local.cli(["jobs", "apply", "-f", file, "--yes"])).code).toBe(0);
    const { runId, invocation } = await fireAndFindTurn("blocked-loop");
    let goneAt = Number.POSITIVE_INFINITY;
    void invocation.ended.then(() => {
      goneAt = Date.now();
    });

    // Act: nothing but time — its lease expires without a heartbeat; sweeps run every 2 s.
    await waitUntil(
      async () => (await local.run("blocked-loop", runId))?.status === "abandoned",
      120_000,
      "the sweeper to end the run as abandoned",
    );

    // Assess: its process was killed first (for its expired lease), so the diagnostic is true.
    const run = await local.run("blocked-loop", runId);
    const result = await invocation.ended;
    expect(result).toMatchObject({ kind: "killed" });
    expect(result.kind === "killed" && result.reason).toMatch(/lease expired .* without a heartbeat/);
    expect(isProcessRunning(invocation.pid)).toBe(false);
    expect(goneAt).toBeLessThanOrEqual(run?.endedAt ?? 0);
    expect(run?.diagnostic).toContain("It stopped heartbeating");
  });
});
