import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLease, listFires, listRuns } from "#adapters/dynamodb/reads.ts";
import { REJECTION_ATTRIBUTES } from "#adapters/sqs/dead-letters.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import { demoJob, dispatchDepsOf, manualFire, scheduledFire, storeJob } from "#test/support/fixtures.ts";
import { injectFaults } from "#test/support/injected-faults.ts";
import { RunDriver } from "#test/support/run-driver.ts";
import { createTestEnvironment, sqsEventOf, type TestEnvironment } from "#test/support/test-environment.ts";

// Dispatch under the faults that escape the SDK's own retries (DESIGN invariant 10): a throttled
// or ambiguous write is retried within the fire's budget and resolved, never guessed.

let env: TestEnvironment;
beforeAll(async () => {
  // Back-off waits on this clock and passes at once, so budgets run out in exact simulated time.
  env = await createTestEnvironment({ clock: "instant" });
});
afterAll(async () => env.destroy());

const turnMessages = async () =>
  (await env.drain(env.queues.turnsQueueUrl)).map((message) => JSON.parse(message.Body ?? "{}").runId);

describe("dispatch under transient faults", () => {
  it("retries a throttled transaction and ends the fire as one run with one handoff", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "throttled" }));
    const faults = injectFaults(env.clients.dynamodb, [
      { command: "TransactWriteItems", kind: "throttle", times: 3 },
    ]);
    // Act
    const outcome = await dispatchFire(
      scheduledFire(job.jobId, env.clock.now()),
      dispatchDepsOf(env),
    ).finally(faults.remove);
    // Assess
    expect(faults.injected).toHaveLength(3);
    expect(outcome.kind).toBe("run");
    const runs = await listRuns(env.store.table, job.jobId);
    expect(runs.map((run) => run.runId)).toEqual([outcome.kind === "run" ? outcome.runId : ""]);
    expect(await turnMessages()).toEqual([runs[0]?.runId]);
    expect(env.metrics.total("TransientRetries")).toBeGreaterThanOrEqual(3);
  });

  it("recognises its own transaction that was applied but reported failed: one run, not a duplicate", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "ambiguous" }));
    const faults = injectFaults(env.clients.dynamodb, [
      { command: "TransactWriteItems", kind: "applied-then-500", times: 1 },
    ]);
    // Act
    const outcome = await dispatchFire(
      scheduledFire(job.jobId, env.clock.now()),
      dispatchDepsOf(env),
    ).finally(faults.remove);
    // Assess: the retry met the fire record its first attempt wrote, and knew it for its own.
    expect(faults.injected).toEqual([{ command: "TransactWriteItems", kind: "applied-then-500" }]);
    expect(outcome.kind).toBe("run");
    const runs = await listRuns(env.store.table, job.jobId);
    expect(runs).toHaveLength(1);
    expect(await turnMessages()).toEqual([runs[0]?.runId]);
    expect(env.metrics.total("FiresDuplicate")).toBe(0);
  });

  it("records a skip once when its write was applied but reported failed", async () => {
    // Prepare: the job is busy with a running run.
    const job = await storeJob(env, demoJob({ id: "ambiguous-skip", overlap: "skip" }));
    const holder = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    await RunDriver.begin(env, job.jobId, holder.kind === "run" ? holder.runId : "");
    await env.drain(env.queues.turnsQueueUrl);
    const skippedBefore = env.metrics.total("FiresSkipped", job.jobId);
    const faults = injectFaults(env.clients.dynamodb, [
      // The first transaction is the refused acquisition; the second records the skip.
      { command: "TransactWriteItems", kind: "applied-then-500", skip: 1, times: 1 },
    ]);
    // Act
    const outcome = await dispatchFire(
      scheduledFire(job.jobId, env.clock.now()),
      dispatchDepsOf(env),
    ).finally(faults.remove);
    // Assess
    expect(faults.injected).toHaveLength(1);
    expect(outcome.kind).toBe("skipped");
    expect(env.metrics.total("FiresSkipped", job.jobId) - skippedBefore).toBe(1);
    const fires = await listFires(env.store.table, job.jobId);
    expect(fires.filter((fire) => fire.outcome === "skipped")).toHaveLength(1);
  });

  it("does not fail the fire when the handoff cannot be sent: the run is recorded for the sweeper to hand off", async () => {
    // Prepare: every SendMessage to the turns queue is throttled for the whole budget.
    const job = await storeJob(env, demoJob({ id: "handoff-down" }));
    const faults = injectFaults(env.clients.sqs, [
      {
        command: "SendMessage",
        kind: "throttle",
        when: (input) => input.QueueUrl === env.queues.turnsQueueUrl,
      },
    ]);
    // Act
    const outcome = await dispatchFire(
      scheduledFire(job.jobId, env.clock.now()),
      dispatchDepsOf(env),
    ).finally(faults.remove);
    // Assess
    expect(faults.injected.length).toBeGreaterThan(1);
    expect(outcome.kind).toBe("run");
    const [run] = await listRuns(env.store.table, job.jobId);
    expect(run).toMatchObject({ status: "queued" });
    const lease = await getLease(env.store.table, job.jobId);
    expect(lease?.holderRunId).toBe(run?.runId);
    expect(await turnMessages()).toEqual([]);
  });

  it("hands a fire that keeps failing back to SQS soon, and parks it with its last error on its final delivery", async () => {
    // Prepare: reading jobs fails for longer than any budget.
    const job = await storeJob(env, demoJob({ id: "store-down" }));
    const body = JSON.stringify(scheduledFire(job.jobId, env.clock.now()));
    const handler = createDispatchHandler(dispatchDepsOf(env));
    const faults = injectFaults(env.clients.dynamodb, [{ command: "GetItem", kind: "throttle" }]);
    // Act: its first delivery, then its fifth (the fires queue's maxReceiveCount).
    const first = await handler(sqsEventOf([body]));
    const last = await handler(withReceiveCount(sqsEventOf([body]), 5)).finally(faults.remove);
    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(last.batchItemFailures).toEqual([]);
    const parked = await env.drain(env.queues.firesDlqUrl);
    expect(parked).toHaveLength(1);
    const reason = parked[0]?.MessageAttributes?.[REJECTION_ATTRIBUTES.reason]?.StringValue;
    expect(reason).toContain("failed on each of its 5 deliveries");
    expect(reason).toContain("StoreUnavailableError");
    expect(parked[0]?.MessageAttributes?.[REJECTION_ATTRIBUTES.path]?.StringValue).toBe("(delivery)");
  });
});

describe("late fires", () => {
  it("ends a fire that arrives after its start deadline as missed, with how late it was", async () => {
    // Prepare: a 10-minute job; its fire was scheduled 40 minutes ago (an outage upstream).
    const job = await storeJob(env, demoJob({ id: "late", schedule: "rate(10 minutes)" }));
    const scheduledAt = env.clock.now() - 40 * 60_000;
    // Act
    const outcome = await dispatchFire(scheduledFire(job.jobId, scheduledAt), dispatchDepsOf(env));
    // Assess
    expect(outcome).toEqual({ kind: "missed", lateByMs: 40 * 60_000 });
    const [fire] = await listFires(env.store.table, job.jobId);
    expect(fire).toMatchObject({ outcome: "missed", reason: "late" });
    expect(fire?.detail).toContain("arrived 40m00s after its scheduled time");
    expect(fire?.detail).toContain("past its 10m00s start deadline");
    expect(await listRuns(env.store.table, job.jobId)).toEqual([]);
    expect(env.metrics.total("FiresMissed", job.jobId)).toBe(1);
  });

  it("ends a fire that arrives exactly at its start deadline as missed, not as a run that cannot start", async () => {
    // Prepare: found by the chaos simulation (seed 23): a 2-minute job delivered 2 minutes late.
    const deadlineMs = 120_000;
    const job = await storeJob(
      env,
      demoJob({ id: "at-deadline", schedule: "rate(2 minutes)", startDeadlineSeconds: deadlineMs / 1000 }),
    );
    const scheduledAt = env.clock.now() - deadlineMs;
    // Act
    const outcome = await dispatchFire(scheduledFire(job.jobId, scheduledAt), dispatchDepsOf(env));
    // Assess
    expect(outcome).toEqual({ kind: "missed", lateByMs: deadlineMs });
    expect(await listRuns(env.store.table, job.jobId)).toEqual([]);
  });
});

function withReceiveCount(event: ReturnType<typeof sqsEventOf>, receives: number) {
  for (const record of event.Records) record.attributes.ApproximateReceiveCount = String(receives);
  return event;
}
