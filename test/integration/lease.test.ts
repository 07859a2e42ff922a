import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributeValues } from "#adapters/dynamodb/expressions.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import { getLease, getRun } from "#adapters/dynamodb/reads.ts";
import { systemClock } from "#core/clock.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { fireKeyOf } from "#core/fires/fire-message.ts";
import { newRunId } from "#core/ids.ts";
import { retryTransient } from "#core/retry.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import { demoJob, dispatchDepsOf, manualFire, storeJob } from "#test/support/fixtures.ts";
import { RunDriver } from "#test/support/run-driver.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

function queuedRun(jobId: string, nowMs: number, fireKey: string): RunRecord {
  return {
    jobId,
    runId: newRunId(nowMs),
    fireKey,
    source: "manual",
    scheduledAt: nowMs,
    createdAt: nowMs,
    status: "queued",
    attempt: 1,
    coalescedFires: 1,
    jobVersion: 1,
    phases: {},
    plugins: {},
  };
}

describe("lease acquisition", () => {
  // 50 concurrent transactions per round against one DynamoDB Local: seconds when idle, minutes at
  // load 25+ (seen), and a test that overran would leave its rounds racing the next test.
  it("lets exactly one of 50 concurrent acquirers hold the job, round after round, the token going up by one each round", async () => {
    // Prepare
    const jobId = "race";
    const leaseSeconds = 30;
    const rounds = 8;
    const tableContext = env.store.dispatch;
    for (let round = 1; round <= rounds; round++) {
      const nowMs = env.clock.now();
      // Act: 50 acquirers at once, each with its own fire.
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) => {
          const fire = manualFire(jobId, nowMs);
          const run = queuedRun(jobId, nowMs, fireKeyOf(fire));
          // As dispatch does: a transient answer (DynamoDB Local under load says "waiting for a
          // lock" as a 500) is retried; a retry recognises its own applied attempt by its run id.
          return retryTransient(
            () =>
              tableContext.startRunForFire({
                fire: {
                  jobId,
                  fireKey: run.fireKey,
                  source: "manual",
                  scheduledAt: nowMs,
                  receivedAt: nowMs,
                  outcome: "run",
                  runId: run.runId,
                },
                run,
                startDeadlineAt: nowMs + leaseSeconds * 1000,
                firstCheckAt: nowMs + leaseSeconds * 1000,
                historyRetentionDays: 1,
                nowMs,
              }),
            { clock: systemClock, step: `acquirer ${index}`, until: Date.now() + 120_000 },
          ).then((result) => ({ result, run, index }));
        }),
      );
      // Assess
      const winners = results.filter(({ result }) => result.kind === "started");
      const refused = results.filter(({ result }) => result.kind === "busy");
      expect(winners).toHaveLength(1);
      expect(refused).toHaveLength(49);
      const lease = await getLease(env.store.table, jobId);
      expect(lease?.holderRunId).toBe(winners[0]?.run.runId);
      expect(lease?.token).toBe(round);
      // A refused acquirer learned the holder from its failed write, without reading again.
      for (const { result } of refused) {
        if (result.kind === "busy") expect(result.lease.holderRunId).toBe(winners[0]?.run.runId);
      }
      // Free the job for the next round the way a finished run does.
      const winner = winners[0]?.run as RunRecord;
      const driver = await RunDriver.begin(env, jobId, winner.runId, { leaseSeconds });
      expect((await driver.finish()).kind).toBe("ok");
      env.clock.advance(1000);
    }
  }, 240_000);

  it("refuses an acquisition of a held lease and names the holder and since when", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "held", overlap: "skip" }));
    const first = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    const acquiredAt = env.clock.now();
    env.clock.advance(5_000);
    // Act
    const second = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    // Assess
    expect(first.kind).toBe("run");
    expect(second).toEqual({
      kind: "skipped",
      holderRunId: first.kind === "run" ? first.runId : "",
      runningForMs: 5_000,
    });
    const lease = await getLease(env.store.table, job.jobId);
    expect(lease?.acquiredAt).toBe(acquiredAt);
  });

  it("takes over an expired lease with a higher token and refuses every write of the old holder", async () => {
    // Prepare: run A holds the job, then goes silent past its lease.
    const job = await storeJob(env, demoJob({ id: "takeover", leaseSeconds: 20 }));
    const a = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    if (a.kind !== "run") throw new Error("expected a run");
    const driverA = await RunDriver.begin(env, job.jobId, a.runId, { leaseSeconds: 20 });
    expect((await driverA.enterPhase("agent-turn", 300, "setup")).kind).toBe("ok");
    const tokenA = (await getLease(env.store.table, job.jobId))?.token ?? 0;
    env.clock.advance(21_000);

    // Act: a new fire takes the job over; then A wakes up and tries to write.
    const b = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    if (b.kind !== "run") throw new Error(`expected a run, got ${b.kind}`);
    const heartbeat = await driverA.heartbeat();
    const phase = await driverA.enterPhase("finalize", 10, "agent-turn");
    const result = await driverA.finish("succeeded");

    // Assess
    const lease = await getLease(env.store.table, job.jobId);
    expect(lease?.holderRunId).toBe(b.runId);
    expect(lease?.token).toBe(tokenA + 1);
    expect(heartbeat.kind).toBe("lease-lost");
    expect(phase.kind).not.toBe("ok");
    expect(result.kind).not.toBe("ok");
    const runA = await getRun(env.store.table, job.jobId, a.runId);
    expect(runA?.status).toBe("abandoned");
    expect(runA?.phase).toBe("agent-turn");
    expect(runA?.phases.finalize).toBeUndefined();
    expect(runA?.diagnostic).toContain("stopped heartbeating during phase agent-turn");
    expect(env.metrics.total("LeaseTakeovers", job.jobId)).toBe(1);
  });

  it("keeps liveness out of TTL: the ttl attribute is epoch seconds, and an expired lease still in the table is free to take", async () => {
    // Prepare
    const job = await storeJob(env, demoJob({ id: "ttl-check", leaseSeconds: 15 }));
    const first = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    const raw = await env.clients.dynamodb.send(
      new GetItemCommand({
        TableName: env.tableName,
        Key: attributeValues(keys.lease(job.jobId)),
        ConsistentRead: true,
      }),
    );
    const item = unmarshall(raw.Item ?? {});
    // Its turn begins (the heartbeat lease starts), then its process dies: the lease expires, and
    // DynamoDB has not deleted it (nor would it for days).
    await RunDriver.begin(env, job.jobId, first.kind === "run" ? first.runId : "", { leaseSeconds: 15 });
    env.clock.advance(16_000);
    const second = await dispatchFire(manualFire(job.jobId, env.clock.now()), dispatchDepsOf(env));
    // Assess
    expect(first.kind).toBe("run");
    expect(item.ttl).toBeGreaterThan(item.expiresAt / 1000);
    expect(item.ttl).toBeLessThan(item.expiresAt / 100); // seconds, not milliseconds
    expect(second.kind).toBe("run");
  });
});
