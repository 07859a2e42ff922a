import { DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attributeValues } from "#adapters/dynamodb/expressions.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import {
  createLocalScheduleInspector,
  createTableSchedules,
} from "#adapters/local-schedules/table-schedules.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { applyJobs } from "#core/jobs/apply-jobs.ts";
import { setJobEnabled } from "#core/jobs/operator-commands.ts";
import type { FireWatch } from "#core/ports.ts";
import type { FireRecord } from "#core/runs/run-record.ts";
import { sweep } from "#core/sweep/sweep.ts";
import { LocalScheduler } from "#local/scheduler.ts";
import { demoJob, dispatchDepsOf, sweepDepsOf } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";

// The dead man's switch against DynamoDB Local and the SQS emulator: a job's schedule is deleted
// behind the system's back (the local runtime's rule, EventBridge's stand-in), so its fires stop
// coming; the sweeper must record each expected fire as missed within the grace, with a metric
// and an event — and never record one that came.
let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment();
});
afterAll(async () => env.destroy());

const deps = () => ({
  jobs: env.store.jobs,
  clock: env.clock,
  validation: { ...env.validation, schedules: "local" as const },
  schedules: createTableSchedules(env.store.table, env.clock),
  fireWatch: env.store.fireWatch,
});
const sweepDeps = () => ({
  ...sweepDepsOf(env),
  missedFires: {
    fireWatch: env.store.fireWatch,
    fireRecords: env.store.dispatch,
    scheduleInspector: createLocalScheduleInspector(env.store.table),
  },
});

/** Fires whatever the local scheduler would send up to now, and dispatches it. */
async function deliverDueFires(scheduler: LocalScheduler): Promise<number> {
  await scheduler.tick();
  const messages = await env.drain(env.queues.firesQueueUrl);
  for (const message of messages) await dispatchFire(JSON.parse(message.Body ?? "{}"), dispatchDepsOf(env));
  await env.drain(env.queues.turnsQueueUrl);
  return messages.length;
}

async function fireRecord(jobId: string, scheduledAt: number): Promise<FireRecord | undefined> {
  const iso = `${new Date(scheduledAt).toISOString().slice(0, 19)}Z`;
  const result = await env.clients.dynamodb.send(
    new GetItemCommand({
      TableName: env.tableName,
      Key: attributeValues(keys.fire(jobId, `${jobId}#${iso}`)),
      ConsistentRead: true,
    }),
  );
  return result.Item ? (unmarshall(result.Item) as FireRecord) : undefined;
}

async function watchOf(jobId: string): Promise<FireWatch | undefined> {
  return (await env.store.fireWatch.getWatches([jobId])).get(jobId);
}

describe("missed-fire detection", () => {
  it("records nothing while fires come, then a fire whose schedule was deleted as missed once its grace has passed", async () => {
    // Prepare: every 5 minutes, start deadline 2 minutes → grace 2m30s
    env.clock.set(Date.parse("2027-01-04T10:01:00Z"));
    const job = demoJob({ id: "every-five", schedule: "cron(0/5 * * * ? *)", startDeadlineSeconds: 120 });
    await applyJobs({ jobs: [job] }, deps(), { source: "file", prune: true, allowEmpty: true });
    const scheduler = new LocalScheduler(
      { table: env.store.table, fires: env.fires, clock: env.clock, log: env.log },
      { refreshMs: 0 },
    );
    await scheduler.tick();

    // Act 1: the 10:05 fire comes; the sweeper checks it after its grace
    env.clock.set(Date.parse("2027-01-04T10:05:00Z"));
    const delivered = await deliverDueFires(scheduler);
    env.clock.set(Date.parse("2027-01-04T10:07:31Z"));
    const quiet = await sweep(sweepDeps());
    const afterArrival = await watchOf("every-five");

    // Act 2: someone deletes the job's rule; 10:10 never comes
    await env.clients.dynamodb.send(
      new DeleteItemCommand({ TableName: env.tableName, Key: attributeValues(keys.localRule("every-five")) }),
    );
    env.clock.set(Date.parse("2027-01-04T10:10:00Z"));
    const deliveredAfterDelete = await deliverDueFires(scheduler);
    env.clock.set(Date.parse("2027-01-04T10:12:29Z")); // within the grace: not yet
    const early = await sweep(sweepDeps());
    env.clock.set(Date.parse("2027-01-04T10:12:31Z")); // the grace has passed
    const noticed = await sweep(sweepDeps());

    // Assess
    expect(delivered).toBe(1);
    expect(quiet.missedFires).toEqual([]);
    expect(afterArrival).toMatchObject({
      lastArrivedAt: Date.parse("2027-01-04T10:05:00Z"),
      expectedAt: Date.parse("2027-01-04T10:10:00Z"),
      missedCount: 0,
    });
    expect(deliveredAfterDelete).toBe(0);
    expect(early.missedFires).toEqual([]);
    expect(noticed.missedFires).toEqual(["every-five@2027-01-04T10:10:00Z"]);
    const missed = await fireRecord("every-five", Date.parse("2027-01-04T10:10:00Z"));
    expect(missed).toMatchObject({
      outcome: "missed",
      reason: "never-arrived",
      scheduleState: "missing",
      source: "schedule",
    });
    expect(missed?.detail).toContain("no fire for 2027-01-04T10:10:00Z");
    expect(missed?.detail).toContain("agentcron doctor --repair creates it again");
    expect(env.metrics.recorded).toContainEqual({
      name: "FiresMissed",
      value: 1,
      unit: "Count",
      dimensions: { jobId: "every-five", reason: "never-arrived" },
    });
    expect(env.events.published).toContainEqual(
      expect.objectContaining({ type: "fire.missed", jobId: "every-five", scheduleState: "missing" }),
    );
    expect(await watchOf("every-five")).toMatchObject({
      expectedAt: Date.parse("2027-01-04T10:15:00Z"),
      lastMissedAt: Date.parse("2027-01-04T10:10:00Z"),
      missedCount: 1,
    });
  });

  it("a fire that arrives late, just before the check, counts as arrived; re-applying brings the schedule back", async () => {
    // Prepare: the rule is gone (previous test); 10:15 is due at 10:17:30
    const scheduler = new LocalScheduler(
      { table: env.store.table, fires: env.fires, clock: env.clock, log: env.log },
      { refreshMs: 0 },
    );

    // Act: re-apply the same file (every apply reconciles: the rule comes back), then fire 10:15
    env.clock.set(Date.parse("2027-01-04T10:14:00Z"));
    const job = demoJob({ id: "every-five", schedule: "cron(0/5 * * * ? *)", startDeadlineSeconds: 120 });
    const report = await applyJobs({ jobs: [job] }, deps(), {
      source: "file",
      prune: true,
      allowEmpty: true,
    });
    await scheduler.tick();
    env.clock.set(Date.parse("2027-01-04T10:16:00Z"));
    await deliverDueFires(scheduler);
    env.clock.set(Date.parse("2027-01-04T10:17:31Z"));
    const checked = await sweep(sweepDeps());

    // Assess
    expect(report.schedules?.find((change) => change.jobId === "every-five")?.action).toBe("created");
    expect(checked.missedFires).toEqual([]);
    expect(await watchOf("every-five")).toMatchObject({
      lastArrivedAt: Date.parse("2027-01-04T10:15:00Z"),
      expectedAt: Date.parse("2027-01-04T10:20:00Z"),
      missedCount: 1,
    });
  });

  it("expects nothing of a paused job, and says 'disabled' when the job is enabled but its schedule is not", async () => {
    // Prepare
    env.clock.set(Date.parse("2027-01-05T08:00:00Z"));
    await applyJobs(
      {
        jobs: [
          demoJob({ id: "hourly", schedule: "cron(0 * * * ? *)" }),
          demoJob({ id: "paused", schedule: "cron(0 * * * ? *)" }),
        ],
      },
      deps(),
      { source: "cli" },
    );
    const paused = await env.store.jobs.getJob("paused");
    if (!paused) throw new Error("expected the job");
    await setJobEnabled(paused, false, deps());
    // Disable the hourly job's rule behind its back.
    const rule = await env.clients.dynamodb.send(
      new GetItemCommand({ TableName: env.tableName, Key: attributeValues(keys.localRule("hourly")) }),
    );
    await env.clients.dynamodb.send(
      new (await import("@aws-sdk/client-dynamodb")).PutItemCommand({
        TableName: env.tableName,
        Item: { ...rule.Item, enabled: { BOOL: false } },
      }),
    );

    // Act: 09:00 passes with nothing
    env.clock.set(Date.parse("2027-01-05T09:20:00Z"));
    const swept = await sweep(sweepDeps());

    // Assess
    // (every-five, from the tests before, has missed a day of fires too: ten are recorded per sweep.)
    expect(swept.missedFires?.filter((fire) => !fire.startsWith("every-five@"))).toEqual([
      "hourly@2027-01-05T09:00:00Z",
    ]);
    expect((await fireRecord("hourly", Date.parse("2027-01-05T09:00:00Z")))?.scheduleState).toBe("disabled");
    expect(await fireRecord("paused", Date.parse("2027-01-05T09:00:00Z"))).toBeUndefined();
    expect((await watchOf("paused"))?.expectedAt).toBeUndefined();
  });

  it("records a one-time job's fire as its last: the job is done once it came", async () => {
    env.clock.set(Date.parse("2027-01-15T07:00:00Z"));
    const job = demoJob({ id: "launch", schedule: "at(2027-01-15T09:00:00)", timezone: "Europe/Berlin" });
    await applyJobs({ jobs: [job] }, deps(), { source: "cli" });
    const scheduler = new LocalScheduler(
      { table: env.store.table, fires: env.fires, clock: env.clock, log: env.log },
      { refreshMs: 0 },
    );
    await scheduler.tick();

    env.clock.set(Date.parse("2027-01-15T08:00:00Z"));
    await deliverDueFires(scheduler);
    env.clock.set(Date.parse("2027-01-15T08:30:00Z"));
    const swept = await sweep(sweepDeps());

    expect(swept.missedFires?.filter((fire) => fire.startsWith("launch@"))).toEqual([]);
    expect(await watchOf("launch")).toMatchObject({ oneTimeFiredAt: Date.parse("2027-01-15T08:00:00Z") });
    expect((await watchOf("launch"))?.expectedAt).toBeUndefined();
  });
});
