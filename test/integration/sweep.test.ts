import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLease, getRun, getStats, listRuns } from "#adapters/dynamodb/reads.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { STALL_GRACE_MS } from "#core/holders/settle-overdue-holder.ts";
import type { PluginRecord } from "#core/runs/run-record.ts";
import { sweep } from "#core/sweep/sweep.ts";
import { demoJob, dispatchDepsOf, manualFire, storeJob, sweepDepsOf } from "#test/support/fixtures.ts";
import { RunDriver } from "#test/support/run-driver.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { waitUntil } from "#test/support/wait.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

async function startRun(jobId: string, options: { leaseSeconds?: number } = {}) {
  const outcome = await dispatchFire(manualFire(jobId, env.clock.now()), dispatchDepsOf(env));
  if (outcome.kind !== "run") throw new Error(`expected a run, got ${outcome.kind}`);
  await env.drain(env.queues.turnsQueueUrl);
  return RunDriver.begin(env, jobId, outcome.runId, options);
}

function plugin(
  name: string,
  index: number,
  state: PluginRecord["state"],
  extra: Partial<PluginRecord> = {},
): PluginRecord {
  return { name, type: "mcp", index, required: true, state, ...extra };
}

describe("sweeper", () => {
  it("marks a run whose process is gone abandoned with its last phase, and the next fire after the lease expires runs", async () => {
    // Prepare: the run reaches agent-turn, then its process dies (no release, no heartbeats).
    const job = await storeJob(env, demoJob({ id: "gone", leaseSeconds: 30 }));
    const gone = await startRun(job.jobId, { leaseSeconds: 30 });
    await gone.enterPhase("agent-turn", 600, "setup");
    env.clock.advance(31_000);
    // Act
    const report = await sweep(sweepDepsOf(env));
    const next = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    // Assess
    expect(report.abandoned).toEqual([gone.fence.runId]);
    const run = await getRun(env.store.table, job.jobId, gone.fence.runId);
    expect(run?.status).toBe("abandoned");
    expect(run?.phase).toBe("agent-turn");
    expect(run?.phases["agent-turn"]?.outcome).toBe("abandoned");
    expect(run?.error?.class).toBe("RunAbandonedError");
    expect(run?.diagnostic).toMatch(
      /stopped heartbeating during phase agent-turn; last heard from .* its lease expired/,
    );
    expect(next.kind).toBe("run");
    expect(env.events.published.map((event) => `${event.type}:${event.runId}`)).toContain(
      `run.abandoned:${gone.fence.runId}`,
    );
  });

  it("calls a run abandoned, not stalled, when its heartbeats stopped before its phase deadline, however late the sweep", async () => {
    // Prepare: killed 1 s into a 300 s agent turn with a 20 s lease; the sweep comes much later.
    const job = await storeJob(env, demoJob({ id: "killed-mid-turn", leaseSeconds: 20 }));
    const killed = await startRun(job.jobId, { leaseSeconds: 20 });
    await killed.enterPhase("agent-turn", 300, "setup");
    env.clock.advance(400_000);
    // Act
    const report = await sweep(sweepDepsOf(env));
    // Assess
    expect(report.abandoned).toContain(killed.fence.runId);
    const run = await getRun(env.store.table, job.jobId, killed.fence.runId);
    expect(run?.status).toBe("abandoned");
    expect(run?.error?.class).toBe("RunAbandonedError");
  });

  it("names the in-flight plugin, the finished ones and those never started when a run is stuck in runtime-plugins", async () => {
    // Prepare: three plugins; the first finished, the second never answers, the third waits.
    const job = await storeJob(env, demoJob({ id: "stuck-plugins" }));
    const runStart = env.clock.now();
    const driver = await startRun(job.jobId);
    await driver.enterPhase("runtime-plugins", 45, "setup", [
      plugin("github", 0, "starting", { startedAt: runStart, deadlineAt: runStart + 20_000 }),
      plugin("slow-search", 1, "pending"),
      plugin("calendar", 2, "pending"),
    ]);
    env.clock.advance(1_200);
    await driver.plugins(
      [
        plugin("github", 0, "ready", {
          startedAt: runStart,
          deadlineAt: runStart + 20_000,
          endedAt: env.clock.now(),
          toolCount: 4,
        }),
        plugin("slow-search", 1, "starting", {
          startedAt: env.clock.now(),
          deadlineAt: env.clock.now() + 20_000,
        }),
      ],
      runStart + 45_000,
    );
    // It keeps heartbeating (its event loop is fine), but the phase overruns its deadline — by more
    // than the grace a run gets to end itself after its deadline.
    for (let step = 0; step < 4; step++) {
      env.clock.advance(20_000);
      await driver.heartbeat(runStart + 45_000);
    }
    // Act
    const report = await sweep(sweepDepsOf(env));
    // Assess
    expect(report.stalled).toEqual([driver.fence.runId]);
    const run = await getRun(env.store.table, job.jobId, driver.fence.runId);
    expect(run?.status).toBe("stalled");
    expect(run?.error).toMatchObject({
      class: "RunStalledError",
      phase: "runtime-plugins",
      plugin: "slow-search",
    });
    expect(run?.diagnostic).toContain('plugin "slow-search" (mcp) was in flight');
    expect(run?.diagnostic).toContain("finished: github (ready, 1s)");
    expect(run?.diagnostic).toContain("never started: calendar");
    // The lease is free again and the stalled process learns it at its next heartbeat.
    expect((await getLease(env.store.table, job.jobId))?.holderRunId).toBeUndefined();
    expect((await driver.heartbeat()).kind).toBe("lease-lost");
  });

  it("retries a stalled run when the job asks for it, handing the lease straight to the retry", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "retry-me", retryOnStall: 1 }));
    const driver = await startRun(job.jobId);
    const tokenBefore = driver.fence.token;
    env.clock.advance(11_000); // setup's 10 s deadline passes
    await driver.heartbeat(env.clock.now() - 1_000);
    env.clock.advance(STALL_GRACE_MS); // still heartbeating, still in setup: hung
    await driver.heartbeat(env.clock.now() - 1_000 - STALL_GRACE_MS);
    // Act
    const first = await sweep(sweepDepsOf(env));
    // Assess
    expect(first.stalled).toEqual([driver.fence.runId]);
    expect(first.retried).toHaveLength(1);
    const lease = await getLease(env.store.table, job.jobId);
    expect(lease?.holderRunId).toBe(first.retried[0]);
    expect(lease?.token).toBe(tokenBefore + 1);
    const retry = await getRun(env.store.table, job.jobId, first.retried[0] ?? "");
    expect(retry).toMatchObject({
      status: "queued",
      attempt: 2,
      retryOf: driver.fence.runId,
      source: "retry",
    });
    const handoffs = await env.drain(env.queues.turnsQueueUrl);
    expect(handoffs.map((message) => JSON.parse(message.Body ?? "{}").runId)).toEqual([retry?.runId]);
  });

  it("does no harm when two sweeps overlap: the stalled run is ended once", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "double-sweep" }));
    const driver = await startRun(job.jobId);
    env.clock.advance(11_000);
    await driver.heartbeat(env.clock.now() - 1_000);
    env.clock.advance(STALL_GRACE_MS);
    await driver.heartbeat(env.clock.now() - 1_000 - STALL_GRACE_MS);
    const eventsBefore = env.events.published.length;
    // Act
    const [a, b] = await Promise.all([sweep(sweepDepsOf(env)), sweep(sweepDepsOf(env))]);
    // Assess
    expect([...a.stalled, ...b.stalled]).toEqual([driver.fence.runId]);
    const stats = await getStats(env.store.table, job.jobId);
    expect(stats?.runsEnded).toBe(1);
    expect(env.events.published.length - eventsBefore).toBe(1);
  });

  it("drains a pending fire left on a free lease when the run that released the job died before draining it", async () => {
    // Prepare: a buffered fire is pending when the holder finishes, and nobody drains it.
    const job = await storeJob(env, demoJob({ id: "stranded-buffer", overlap: "buffer-one" }));
    const driver = await startRun(job.jobId);
    await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    await driver.finish();
    env.clock.advance(31_000);
    // Act
    const report = await sweep(sweepDepsOf(env));
    // Assess
    expect(report.drained).toEqual([job.jobId]);
    const drains = await env.drain(env.queues.firesQueueUrl);
    expect(drains.map((message) => JSON.parse(message.Body ?? "{}"))).toEqual([
      expect.objectContaining({
        jobId: job.jobId,
        source: "buffered",
        fireId: driver.fence.runId,
        coalescedFires: 1,
      }),
    ]);
  });

  // 17 run lifecycles one after another: seconds when idle, minutes at load 25+ (seen): a long limit.
  it("keeps only active runs in the sweep index: the next sweep finds the active runs, never the history", async () => {
    // Prepare: 15 runs that finished (history) and 2 still running.
    const job = await storeJob(env, demoJob({ id: "history" }));
    for (let index = 0; index < 15; index++) {
      const driver = await startRun(job.jobId);
      await driver.finish(index % 3 === 0 ? "failed" : "succeeded");
      env.clock.advance(1_000);
    }
    env.clock.advance(31_000);
    await sweep(sweepDepsOf(env)); // settles the released leases out of the index
    const activeA = await startRun((await storeJob(env, demoJob({ id: "active-a" }))).jobId);
    const activeB = await startRun((await storeJob(env, demoJob({ id: "active-b" }))).jobId);
    const active = [activeA.fence, activeB.fence];

    // Act: the sweeper's own index query once the active runs are overdue, then the sweep. On AWS a
    // global secondary index is eventually consistent: a lease written just before may only show in
    // a later sweep (a minute later in production), so query until both show, with a generous limit.
    env.clock.advance(61_000);
    let overdue: string[] = [];
    await waitUntil(
      async () => {
        overdue = (await env.store.sweep.findOverdueLeases(env.clock.now())).map((lease) => lease.jobId);
        return active.every((fence) => overdue.includes(fence.jobId));
      },
      30_000,
      "the sweep index to hold both active leases",
    );
    const report = await sweep(sweepDepsOf(env));

    // Assess: the sweep ends the active runs; the job with 30 finished runs is not among its work.
    expect(await listRuns(env.store.table, job.jobId, { limit: 100 })).toHaveLength(15);
    expect(overdue).not.toContain(job.jobId);
    expect([...report.stalled, ...report.abandoned, ...report.timedOut]).toEqual(
      expect.arrayContaining(active.map((fence) => fence.runId)),
    );
    for (const fence of active) {
      expect((await getRun(env.store.table, fence.jobId, fence.runId))?.status).not.toBe("running");
    }
  }, 240_000);

  it("keeps a failure rate over the window, so a job failing 3 runs in 5 does not look healthy after a success", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "flapping", alarms: { failureRateWindow: 5 } }));
    // Act
    for (const status of ["failed", "succeeded", "failed", "failed", "succeeded"] as const) {
      const driver = await startRun(job.jobId);
      expect((await driver.finish(status, 5)).kind).toBe("ok");
    }
    // Assess
    const stats = await getStats(env.store.table, job.jobId);
    expect(stats).toMatchObject({
      lastStatus: "succeeded",
      consecutiveFailures: 0,
      failureRate: 0.6,
      runsEnded: 5,
    });
    expect(stats?.recentOutcomes).toEqual(["failed", "succeeded", "failed", "failed", "succeeded"]);
  });
});
