import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLease, getRun, listRuns } from "#adapters/dynamodb/reads.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { STALL_GRACE_MS } from "#core/holders/settle-overdue-holder.ts";
import { HANDOFF_CHECK_INTERVAL_MS } from "#core/runs/handoff.ts";
import { sweep } from "#core/sweep/sweep.ts";
import {
  demoJob,
  dispatchDepsOf,
  manualFire,
  scheduledFire,
  storeJob,
  sweepDepsOf,
} from "#test/support/fixtures.ts";
import { RunDriver } from "#test/support/run-driver.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";

// DESIGN invariant 9: waiting is not dying. A queued run has a start deadline of its own; only a
// run that started and went silent can be abandoned; nothing waits for a lucky redelivery.

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

async function queuedRun(jobId: string) {
  const outcome = await dispatchFire(manualFire(jobId, env.clock.now()), dispatchDepsOf(env));
  if (outcome.kind !== "run") throw new Error(`expected a run, got ${outcome.kind}`);
  return outcome.runId;
}

describe("a queued run", () => {
  it("is not abandoned while it waits longer than its lease, and ends not-started at its start deadline, naming the backlog", async () => {
    // Prepare: a 15 s lease, a 10-minute start window; its handoff waits in the turns queue.
    const job = await storeJob(env, demoJob({ id: "waits", leaseSeconds: 15, startDeadlineSeconds: 600 }));
    const runId = await queuedRun(job.jobId);
    // Act 1: five minutes pass with no turn — twenty leases' worth.
    env.clock.advance(5 * 60_000);
    const early = await sweep(sweepDepsOf(env));
    // Act 2: the start deadline passes.
    env.clock.advance(5 * 60_000 + 1);
    const late = await sweep(sweepDepsOf(env));
    // Assess
    expect(early.abandoned).toEqual([]);
    expect(early.notStarted).toEqual([]);
    expect(late.notStarted).toEqual([runId]);
    const run = await getRun(env.store.table, job.jobId, runId);
    expect(run).toMatchObject({ status: "not-started", error: { class: "RunNotStartedError" } });
    expect(run?.error?.message).toMatch(/^not started within 10m00s: turns queue: \d+ messages? waiting/);
    expect(run?.diagnostic).toContain("no turn began it before its start deadline");
    expect((await getLease(env.store.table, job.jobId))?.holderRunId).toBeUndefined();
    expect(env.metrics.total("RunsNotStarted", job.jobId)).toBe(1);
    await env.drain(env.queues.turnsQueueUrl);
  });

  it("is handed off again by the sweeper when its handoff was lost and the turns queue is idle", async () => {
    // Prepare: the run is queued, but its turn message is lost.
    const job = await storeJob(env, demoJob({ id: "lost-handoff" }));
    const runId = await queuedRun(job.jobId);
    await env.drain(env.queues.turnsQueueUrl);
    // Act 1: a sweep before the first check does nothing.
    const tooSoon = await sweep(sweepDepsOf(env));
    // Act 2: a sweep after it hands the run off again.
    env.clock.advance(HANDOFF_CHECK_INTERVAL_MS + 1);
    const report = await sweep(sweepDepsOf(env));
    // Assess
    expect(tooSoon.handedOffAgain).toEqual([]);
    expect(report.handedOffAgain).toEqual([runId]);
    const messages = await env.drain(env.queues.turnsQueueUrl);
    expect(messages.map((message) => JSON.parse(message.Body ?? "{}").runId)).toEqual([runId]);
    expect(await getRun(env.store.table, job.jobId, runId)).toMatchObject({ status: "queued", handoffs: 2 });
    expect(env.metrics.total("HandoffsResent")).toBeGreaterThanOrEqual(1);
  });

  it("is not handed off again at once while the turns queue has a backlog (its message is most likely waiting)", async () => {
    // Prepare: its handoff is waiting in the queue, behind others.
    const job = await storeJob(env, demoJob({ id: "in-backlog", startDeadlineSeconds: 900 }));
    const runId = await queuedRun(job.jobId);
    // Act
    env.clock.advance(HANDOFF_CHECK_INTERVAL_MS + 1);
    const soon = await sweep(sweepDepsOf(env));
    env.clock.advance(7 * 60_000);
    const halfway = await sweep(sweepDepsOf(env));
    // Assess: after half its start window since the last handoff, it is sent once more.
    expect(soon.handedOffAgain).toEqual([]);
    expect(halfway.handedOffAgain).toEqual([runId]);
    await env.drain(env.queues.turnsQueueUrl);
  });
});

describe("a started run", () => {
  it("that crashed during setup is abandoned when its lease expires, not called stalled at its setup deadline", async () => {
    // Prepare: the turn begins (setup deadline 10 s, lease 60 s) and its process dies at once.
    const job = await storeJob(env, demoJob({ id: "crashed-in-setup" }));
    const runId = await queuedRun(job.jobId);
    await RunDriver.begin(env, job.jobId, runId);
    // Act: past the setup deadline and the stall grace, but not the lease: no proof of life.
    env.clock.advance(10_000 + STALL_GRACE_MS + 1);
    const before = await sweep(sweepDepsOf(env));
    env.clock.advance(60_000);
    const after = await sweep(sweepDepsOf(env));
    // Assess
    expect(before.stalled).toEqual([]);
    expect(after.abandoned).toEqual([runId]);
    const run = await getRun(env.store.table, job.jobId, runId);
    expect(run?.diagnostic).toContain("stopped heartbeating during phase setup");
    await env.drain(env.queues.turnsQueueUrl);
  });
});

describe("a drain", () => {
  it("that meets an expired holder settles it and runs, recording the fires it took off the lease", async () => {
    // Prepare: a running holder with three buffered fires goes silent; its lease expires.
    const job = await storeJob(
      env,
      demoJob({ id: "drain-takeover", overlap: "buffer-one", leaseSeconds: 15 }),
    );
    const holderId = await queuedRun(job.jobId);
    await RunDriver.begin(env, job.jobId, holderId, { leaseSeconds: 15 });
    for (let minute = 1; minute <= 3; minute++) {
      await dispatchFire(scheduledFire(job.jobId, env.clock.now() + minute * 60_000), dispatchDepsOf(env));
    }
    env.clock.advance(16_000);
    // Act: a drain of that buffer arrives (its message saw one fire).
    const outcome = await dispatchFire(
      {
        version: 1,
        jobId: job.jobId,
        scheduledAt: new Date(env.clock.now()).toISOString(),
        source: "buffered",
        fireId: holderId,
        coalescedFires: 1,
      },
      dispatchDepsOf(env),
    );
    // Assess
    expect(outcome.kind).toBe("run");
    expect((await getRun(env.store.table, job.jobId, holderId))?.status).toBe("abandoned");
    const [latest] = await listRuns(env.store.table, job.jobId, { limit: 1 });
    expect(latest).toMatchObject({ source: "buffered", coalescedFires: 3 });
    expect((await getLease(env.store.table, job.jobId))?.pending).toBeUndefined();
    await env.drain(env.queues.turnsQueueUrl);
  });

  it("is not needed when a fire finds the job free with a fire pending: it runs them together", async () => {
    // Prepare: a holder with two buffered fires ends; before any drain, the next scheduled fire comes.
    const job = await storeJob(env, demoJob({ id: "pending-consumed", overlap: "buffer-one" }));
    const holderId = await queuedRun(job.jobId);
    const driver = await RunDriver.begin(env, job.jobId, holderId);
    await dispatchFire(scheduledFire(job.jobId, env.clock.now() + 60_000), dispatchDepsOf(env));
    await dispatchFire(scheduledFire(job.jobId, env.clock.now() + 120_000), dispatchDepsOf(env));
    expect((await driver.finish()).kind).toBe("ok");
    // Act
    const next = await dispatchFire(scheduledFire(job.jobId, env.clock.now() + 180_000), dispatchDepsOf(env));
    const drain = await dispatchFire(
      {
        version: 1,
        jobId: job.jobId,
        scheduledAt: new Date(env.clock.now()).toISOString(),
        source: "buffered",
        fireId: holderId,
        coalescedFires: 2,
      },
      dispatchDepsOf(env),
    );
    // Assess: one run for the three fires; the late drain finds its buffer consumed.
    expect(next.kind).toBe("run");
    const [latest] = await listRuns(env.store.table, job.jobId, { limit: 1 });
    expect(latest).toMatchObject({ source: "schedule", coalescedFires: 3 });
    expect(drain).toEqual({ kind: "drain-already-consumed" });
    await env.drain(env.queues.turnsQueueUrl);
  });
});
