import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActiveInvocation } from "#local/runtime.ts";
import { isProcessRunning } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
beforeAll(async () => {
  // One turn slot, and no sweep after the first: only the turn's own function timeout can free it.
  local = await startTestRuntime({ maxConcurrentTurns: 1, sweepIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await local?.stop();
});

describe("the local turn timeout", () => {
  it("kills a turn blocking its event loop at its own job's ceiling plus the margin, freeing its slot for another job", async () => {
    // Prepare: a job whose turn blocks its event loop for 10 minutes, with a 45 s ceiling (so its
    // function timeout, as the stack would derive it, is 45 + 30 = 75 s), and an ordinary job.
    const file = local.writeJobs("jobs.json", [
      demoJob({
        id: "hog",
        timeouts: { setupSeconds: 2, agentTurnSeconds: 40, finalizeSeconds: 2 },
        maxRunSeconds: 45,
        options: { blockEventLoopMs: 600_000 },
      }),
      demoJob({ id: "neighbour", options: { output: "on time" } }),
    ]);
    expect((await local.cli(["jobs", "apply", "-f", file, "--yes"])).code).toBe(0);
    const hog = (await local.cli(["--json", "run", "hog"])).json as { runId: string };
    let invocation: ActiveInvocation | undefined;
    await waitUntil(
      () => {
        invocation = [...local.runtime.activeInvocations.values()].find(
          (active) => active.runId === hog.runId,
        );
        return invocation !== undefined;
      },
      60_000,
      "the hog's turn to take the only slot",
    );

    // Act: the neighbour's run waits for the slot.
    const neighbour = await local.cli(["--json", "run", "neighbour", "--wait", "--timeout", "170"], {
      timeoutMs: 175_000,
    });

    // Assess: the hog was killed at its function timeout (not Lambda's 900 s), then the neighbour ran.
    expect(invocation?.timeoutSeconds).toBe(75);
    const result = await invocation?.ended;
    expect(result).toMatchObject({ kind: "timed-out", during: "invoke" });
    expect(result?.durationMs).toBeGreaterThanOrEqual(75_000);
    expect(isProcessRunning(invocation?.pid ?? 0)).toBe(false);
    expect(neighbour.code).toBe(0);
    const ran = neighbour.json as {
      run: { status: string; startedAt: number; output?: { summary: string } };
    };
    expect(ran.run).toMatchObject({ status: "succeeded", output: { summary: "on time" } });
    expect(ran.run.startedAt).toBeGreaterThanOrEqual((invocation?.startedAt ?? 0) + 75_000);
    const log = readFileSync(join(local.stateDir, "logs", "agentcron.log"), "utf8");
    expect(log).toContain("Task timed out after 75 seconds");
  }, 420_000); // its own steps add up past the default 180 s on a busy machine
});
