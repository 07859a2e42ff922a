import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "#core/runs/run-record.ts";
import { signalProcess } from "#test/support/agents/processes.ts";
import { waitUntil } from "#test/support/wait.ts";
import { demoJob, startTestRuntime, type TestRuntime } from "./support/local-runtime.ts";

let local: TestRuntime;
beforeAll(async () => {
  local = await startTestRuntime();
});
afterAll(async () => {
  await local?.stop();
});

describe("a turn's process killed with SIGKILL, seen through the CLI", () => {
  it("frees the job once the lease expires: the next fire runs, and the killed run is marked abandoned", async () => {
    // Prepare: a job whose turn takes 15 s (the window in which the test kills it) and whose lease
    // lasts 15 s; its first run is in its agent turn.
    const file = local.writeJobs("jobs.json", [
      demoJob({ id: "crashy", leaseSeconds: 15, options: { output: "done {runId}", delayMs: 15_000 } }),
    ]);
    await local.cli(["jobs", "apply", "-f", file, "--yes"]);
    const first = await local.cli(["--json", "run", "crashy"]);
    const killedRunId = (first.json as { runId: string }).runId;
    await waitUntil(
      async () => (await local.run("crashy", killedRunId))?.phase === "agent-turn",
      90_000, // a dispatch, then a turn's process start: seconds on a busy machine
      "the first run to reach its agent turn",
    );
    const invocation = [...local.runtime.activeInvocations.values()].find(
      (active) => active.runId === killedRunId,
    );

    // Act: kill -9 the turn's process, then fire the job again and wait for that fire's run.
    signalProcess(invocation?.pid, "SIGKILL");
    // Nothing renews the lease any more: it expires at the expiry of the last heartbeat that landed.
    const leaseAfterKill = await local.lease("crashy");
    const next = await local.cli(["--json", "run", "crashy", "--wait", "--timeout", "150"], {
      timeoutMs: 180_000,
    });
    const inspected = await local.cli(["inspect", killedRunId]);
    const abandoned = await local.cli(["runs", "crashy", "--status", "abandoned"]);

    // Assess: the second fire ran only once the dead run's lease expired. It either waited (buffered)
    // behind the dead run, or — when the CLI's start took longer than the lease on a busy machine —
    // arrived after the expiry and took the job over itself: both free the job, neither loses the fire.
    expect(invocation).toBeDefined();
    const result = next.json as { outcome: string; runId: string; run: RunRecord };
    expect(next.code).toBe(0);
    expect(["buffered", "run"]).toContain(result.outcome);
    expect(result.runId).not.toBe(killedRunId);
    expect(result.run).toMatchObject({
      status: "succeeded",
      source: result.outcome === "buffered" ? "buffered" : "manual",
    });
    const killed = await local.run("crashy", killedRunId);
    expect(killed).toMatchObject({
      status: "abandoned",
      phase: "agent-turn",
      error: { class: "RunAbandonedError" },
    });
    expect(leaseAfterKill?.holderRunId).toBe(killedRunId);
    expect(result.run.createdAt).toBeGreaterThanOrEqual(
      leaseAfterKill?.expiresAt ?? Number.POSITIVE_INFINITY,
    );
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(/· job crashy \(v1\) · abandoned/);
    expect(inspected.stdout).toMatch(/agent-turn\s+│ *█+.*abandoned/);
    expect(inspected.stdout).toContain("RunAbandonedError in agent-turn");
    expect(inspected.stdout).toMatch(/stopped heartbeating during phase agent-turn/);
    expect(inspected.stdout).toMatch(/Next: its process died without recording an end.*dlq list turns/);
    expect(abandoned.stdout).toContain(killedRunId);
  }, 300_000);
});
