import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFire, getLease, getRun, getStats, listFires, listRuns } from "#adapters/dynamodb/reads.ts";
import { REJECTION_ATTRIBUTES } from "#adapters/sqs/dead-letters.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { drainPendingFire } from "#core/fires/drain-pending-fire.ts";
import { fireKeyOf } from "#core/fires/fire-message.ts";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import { demoJob, dispatchDepsOf, manualFire, scheduledFire, storeJob } from "#test/support/fixtures.ts";
import { RunDriver } from "#test/support/run-driver.ts";
import { createTestEnvironment, sqsEventOf, type TestEnvironment } from "#test/support/test-environment.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

describe("dispatch", () => {
  it("turns one fire delivered three times into one run and one handoff", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "triple" }));
    const fire = JSON.stringify(scheduledFire(job.jobId, Date.UTC(2026, 10, 22, 4, 0)));
    const handler = createDispatchHandler(dispatchDepsOf(env));
    // Act: two deliveries in one batch (EventBridge duplicated it), one more later (SQS redelivery).
    const batch = await handler(sqsEventOf([fire, fire]));
    env.clock.advance(5_000);
    const later = await handler(sqsEventOf([fire]));
    // Assess
    expect(batch.batchItemFailures).toEqual([]);
    expect(later.batchItemFailures).toEqual([]);
    expect(await listRuns(env.store.table, job.jobId)).toHaveLength(1);
    const fires = await listFires(env.store.table, job.jobId);
    expect(fires.map((record) => record.outcome)).toEqual(["run"]);
    expect(await env.drain(env.queues.turnsQueueUrl)).toHaveLength(1);
    expect(env.metrics.total("FiresDuplicate")).toBe(2);
  });

  it("skips a fire for a busy job with `skip`, recording the holder and how long it has run", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "busy-skip", overlap: "skip" }));
    const holder = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    // The holder keeps heartbeating for 90 minutes: busy, not expired.
    const driver = await RunDriver.begin(env, job.jobId, holder.kind === "run" ? holder.runId : "");
    for (let minute = 0; minute < 90; minute++) {
      env.clock.advance(60_000);
      expect((await driver.heartbeat()).kind).toBe("ok");
    }
    const fire = scheduledFire(job.jobId, env.clock.now());
    // Act
    const outcome = await dispatchFire(fire, dispatchDepsOf(env));
    // Assess
    expect(outcome).toMatchObject({
      kind: "skipped",
      holderRunId: driver.fence.runId,
      runningForMs: 90 * 60_000,
    });
    const record = await getFire(env.store.table, job.jobId, fireKeyOf(fire));
    expect(record).toMatchObject({ outcome: "skipped", reason: "busy", holderRunId: driver.fence.runId });
    expect(record?.detail).toContain("1h30m");
    const stats = await getStats(env.store.table, job.jobId);
    expect(stats).toMatchObject({ consecutiveSkips: 1, firesSkipped: 1 });
    const streak = env.metrics.recorded.filter(
      (m) => m.name === "ConsecutiveSkips" && m.dimensions.jobId === job.jobId,
    );
    expect(streak.map((m) => m.value)).toEqual([0, 1]); // reset when the holder's fire ran, then one bounce
  });

  it("folds 5 fires for a busy `buffer-one` job into one run after the release, with a coalesced count of 5", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "busy-buffer", overlap: "buffer-one" }));
    const deps = dispatchDepsOf(env);
    const holder = await dispatchFire(manualFire(job.jobId, env.clock.now()), deps);
    const driver = await RunDriver.begin(env, job.jobId, holder.kind === "run" ? holder.runId : "");
    await env.drain(env.queues.turnsQueueUrl);
    // Act 1: five scheduled fires arrive while it runs.
    const outcomes = [];
    for (let minute = 1; minute <= 5; minute++) {
      env.clock.advance(10_000);
      await driver.heartbeat();
      outcomes.push(await dispatchFire(scheduledFire(job.jobId, Date.UTC(2026, 10, 23, 0, minute)), deps));
    }
    // Act 2: the holder finishes, releasing the lease; the pending fire is drained through dispatch.
    expect((await driver.finish()).kind).toBe("ok");
    const { pending } = await env.store.runs.settleLease(job.jobId);
    if (pending) await drainPendingFire(env, job.jobId, pending);
    const drains = await env.drain(env.queues.firesQueueUrl);
    const handler = createDispatchHandler(deps);
    await handler(sqsEventOf(drains.map((message) => message.Body ?? "")));
    // Assess
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      "buffered",
      "buffered",
      "buffered",
      "buffered",
      "buffered",
    ]);
    expect(pending?.count).toBe(5);
    expect(drains).toHaveLength(1);
    const runs = await listRuns(env.store.table, job.jobId);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ status: "queued", coalescedFires: 5, source: "buffered" });
    const lease = await getLease(env.store.table, job.jobId);
    expect(lease?.holderRunId).toBe(runs[0]?.runId);
    expect(lease?.pending).toBeUndefined();
    const handoffs = await env.drain(env.queues.turnsQueueUrl);
    expect(handoffs.map((message) => JSON.parse(message.Body ?? "{}").runId)).toEqual([runs[0]?.runId]);
  });

  it("consumes a buffered fire whose drain is rejected (the job was paused meanwhile), instead of draining it forever", async () => {
    // Prepare: a fire buffered behind a run; the job is paused before the run ends.
    const spec = demoJob({ id: "paused-with-buffer", overlap: "buffer-one" });
    const job = await storeJob(env, spec);
    const deps = dispatchDepsOf(env);
    const holder = await dispatchFire(manualFire(job.jobId, env.clock.now()), deps);
    const driver = await RunDriver.begin(env, job.jobId, holder.kind === "run" ? holder.runId : "");
    await dispatchFire(scheduledFire(job.jobId, Date.UTC(2026, 10, 26, 0, 0)), deps);
    await storeJob(env, { ...spec, enabled: false });
    await driver.finish();
    const { pending } = await env.store.runs.settleLease(job.jobId);
    if (!pending) throw new Error("expected a pending fire");
    // Act: the drain is dispatched, then sent again (as the sweeper would).
    const drain = {
      version: 1 as const,
      jobId: job.jobId,
      scheduledAt: new Date().toISOString(),
      source: "buffered" as const,
      fireId: pending.bufferId,
      coalescedFires: 1,
    };
    const first = await dispatchFire(drain, deps);
    const again = await dispatchFire(drain, deps);
    // Assess
    expect(first).toMatchObject({ kind: "rejected", reason: "job-disabled" });
    expect(again).toMatchObject({ kind: "duplicate", previous: "rejected" });
    expect((await getLease(env.store.table, job.jobId))?.pending).toBeUndefined();
    expect((await env.store.runs.settleLease(job.jobId)).pending).toBeUndefined();
  });

  it("asks the running run to stop with `replace`: its next heartbeat sees the request, and the fire waits", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "busy-replace", overlap: "replace" }));
    const deps = dispatchDepsOf(env);
    const holder = await dispatchFire(manualFire(job.jobId, env.clock.now()), deps);
    const driver = await RunDriver.begin(env, job.jobId, holder.kind === "run" ? holder.runId : "");
    const before = await driver.heartbeat();
    env.clock.advance(30_000);
    // Act
    const outcome = await dispatchFire(scheduledFire(job.jobId, env.clock.now()), deps);
    const after = await driver.heartbeat();
    // Assess
    expect(before).toMatchObject({ kind: "ok", stopRequestedAt: undefined });
    expect(outcome).toMatchObject({ kind: "buffered", holderRunId: driver.fence.runId, stopRequested: true });
    expect(after).toMatchObject({ kind: "ok", stopRequestedAt: env.clock.now() });
    expect((await getLease(env.store.table, job.jobId))?.pending?.count).toBe(1);
  });

  it("rejects a fire for a disabled job or a stored job that is no longer valid, with the reason and path", async () => {
    // Prepare
    const paused = await storeJob(env, demoJob({ id: "paused", enabled: false }));
    const broken = await storeJob(env, { ...demoJob({ id: "broken" }), overlap: "queue-all" });
    // Act
    const pausedOutcome = await dispatchFire(
      scheduledFire(paused.jobId, env.clock.now()),
      dispatchDepsOf(env),
    );
    const brokenOutcome = await dispatchFire(
      scheduledFire(broken.jobId, env.clock.now()),
      dispatchDepsOf(env),
    );
    // Assess
    expect(pausedOutcome).toMatchObject({ kind: "rejected", reason: "job-disabled" });
    expect(brokenOutcome).toMatchObject({ kind: "rejected", reason: "invalid-job" });
    if (brokenOutcome.kind === "rejected") expect(brokenOutcome.detail).toContain("- overlap:");
    const [record] = await listFires(env.store.table, broken.jobId);
    expect(record?.issues?.[0]?.path).toBe("overlap");
    expect(await listRuns(env.store.table, broken.jobId)).toEqual([]);
  });

  it("still starts a run for a job whose harness this deployment lacks, so the turn fails it loudly with its own error", async () => {
    // Prepare: field report 4 — a quiet rejection would hide a deployment missing a harness.
    const job = await storeJob(env, {
      ...demoJob({ id: "missing-harness" }),
      agent: { harness: "gpt-unknown", prompt: "x" },
    });
    // Act
    const outcome = await dispatchFire(scheduledFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    // Assess
    expect(outcome.kind).toBe("run");
    await env.drain(env.queues.turnsQueueUrl);
  });

  it("parks poison messages in the DLQ with their reason, rejects an unknown job in a record, and still runs the good fire of the batch", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "batch-good" }));
    const good = JSON.stringify(scheduledFire(job.jobId, Date.UTC(2026, 10, 24, 9, 0)));
    const notJson = "{this is not json";
    const wrongShape = JSON.stringify({ jobId: "Bad Id!", scheduledAt: "yesterday" });
    const notAnObject = JSON.stringify(["a", "list"]);
    const manualWithoutId = JSON.stringify({
      ...scheduledFire(job.jobId, Date.UTC(2026, 10, 24, 9, 0)),
      source: "manual",
    });
    const unknownJob = JSON.stringify(scheduledFire("no-such-job", Date.UTC(2026, 10, 24, 9, 0)));
    const handler = createDispatchHandler(dispatchDepsOf(env));
    // Act: every one of them on its first delivery.
    const response = await handler(
      sqsEventOf([notJson, wrongShape, notAnObject, manualWithoutId, unknownJob, good]),
    );
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const parked = await env.drain(env.queues.firesDlqUrl);
    expect(parked.map((message) => message.Body).sort()).toEqual(
      [notJson, wrongShape, notAnObject, manualWithoutId].sort(),
    );
    // Every parked message names where it went wrong: never an empty path.
    const pathOf = (body: string) =>
      parked.find((message) => message.Body === body)?.MessageAttributes?.[REJECTION_ATTRIBUTES.path]
        ?.StringValue;
    expect(pathOf(notJson)).toBe("(root)");
    expect(pathOf(notAnObject)).toBe("(root)");
    expect(pathOf(manualWithoutId)).toBe("fireId");
    const shapeReason = parked.find((message) => message.Body === wrongShape)?.MessageAttributes;
    expect(shapeReason?.[REJECTION_ATTRIBUTES.path]?.StringValue).toBe("jobId, scheduledAt");
    expect(shapeReason?.[REJECTION_ATTRIBUTES.reason]?.StringValue).toContain("scheduledAt");
    const jsonReason = parked.find((message) => message.Body === notJson)?.MessageAttributes;
    expect(jsonReason?.[REJECTION_ATTRIBUTES.reason]?.StringValue).toContain("not JSON");
    const [rejected] = await listFires(env.store.table, "no-such-job");
    expect(rejected).toMatchObject({ outcome: "rejected", reason: "unknown-job" });
    const [run] = await listRuns(env.store.table, job.jobId);
    expect(run?.status).toBe("queued");
    expect(await getRun(env.store.table, job.jobId, run?.runId ?? "")).toBeDefined();
  });

  it("lets SQS retry only the failed message of a batch when the store is unreachable for it", async () => {
    // Prepare: a job store that fails (a dropped connection) for one job only.
    const job = await storeJob(env, demoJob({ id: "flaky" }));
    const ok = await storeJob(env, demoJob({ id: "steady" }));
    const deps = dispatchDepsOf(env);
    const failingJobs = {
      async getJob(jobId: string) {
        if (jobId === job.jobId) throw new Error("connection reset");
        return env.store.jobs.getJob(jobId);
      },
    };
    const handler = createDispatchHandler({ ...deps, jobs: failingJobs });
    const event = sqsEventOf([
      JSON.stringify(scheduledFire(job.jobId, Date.UTC(2026, 10, 25, 0, 0))),
      JSON.stringify(scheduledFire(ok.jobId, Date.UTC(2026, 10, 25, 0, 0))),
    ]);
    // Act
    const response = await handler(event);
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(await listRuns(env.store.table, ok.jobId)).toHaveLength(1);
  });
});
