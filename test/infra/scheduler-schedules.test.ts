import { describe, expect, it } from "vitest";
import {
  createSchedulerSchedules,
  schedulerFireInput,
} from "#adapters/eventbridge-scheduler/scheduler-schedules.ts";
import { validateDeployedJobSet } from "#adapters/job-set-file.ts";
import { ManualClock } from "#core/clock.ts";
import { fireMessageSchema } from "#core/fires/fire-message.ts";
import type { JobSpec } from "#core/jobs/job-schema.ts";
import type { ScheduleChange } from "#core/ports.ts";
import { ReconcileIncompleteError } from "#core/schedules/reconcile-incomplete.ts";
import { VirtualTiming } from "#test/support/virtual-timing.ts";
import { createFakeScheduler } from "./support/fake-scheduler.ts";
import { demoJobSpec } from "./support/stack.ts";

const FIRES_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:agentcron-dev-fires";
const FIRES_DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:agentcron-dev-fires-dlq";
const ROLE_ARN = "arn:aws:iam::123456789012:role/agentcron-dev-scheduler";
const GROUP = "agentcron-dev";

function jobs(...specs: JobSpec[]) {
  return validateDeployedJobSet({ jobs: specs }, "jobs.json", "scheduler").jobs;
}

function reconcilerFor(
  fake: ReturnType<typeof createFakeScheduler>,
  options: {
    clock?: ManualClock;
    timing?: VirtualTiming;
    requestsPerSecond?: number;
    concurrency?: number;
  } = {},
) {
  const timing = options.timing ?? new VirtualTiming();
  return createSchedulerSchedules({
    client: fake.client,
    stage: "dev",
    firesQueueArn: FIRES_QUEUE_ARN,
    deadLetterQueueArn: FIRES_DLQ_ARN,
    executionRoleArn: ROLE_ARN,
    clock: options.clock ?? new ManualClock(Date.UTC(2027, 0, 1)),
    timing,
    requestsPerSecond: options.requestsPerSecond,
    concurrency: options.concurrency,
  });
}

const actionsOf = (changes: readonly ScheduleChange[]) =>
  changes.map((change) => `${change.jobId}:${change.action}`);

describe("the EventBridge Scheduler reconciler", () => {
  it("creates one schedule per job in the stage's group: the job's zone, window and fire message, a retry policy and the DLQ", async () => {
    // Prepare
    const fake = createFakeScheduler();

    // Act
    const changes = await reconcilerFor(fake).reconcile(
      jobs(
        demoJobSpec({
          id: "berlin-digest",
          schedule: "cron(30 2 * * ? *)",
          timezone: "Europe/Berlin",
          flexibleWindowMinutes: 10,
          description: "Nightly digest",
        }),
        demoJobSpec({ id: "every-5", schedule: "rate(5 minutes)", enabled: false }),
      ),
    );

    // Assess
    expect(changes).toEqual([
      { jobId: "berlin-digest", ruleName: `${GROUP}/berlin-digest`, action: "created" },
      { jobId: "every-5", ruleName: `${GROUP}/every-5`, action: "created" },
    ]);
    expect(fake.schedules.get(`${GROUP}/berlin-digest`)).toMatchObject({
      Name: "berlin-digest",
      GroupName: GROUP,
      ScheduleExpression: "cron(30 2 * * ? *)",
      ScheduleExpressionTimezone: "Europe/Berlin",
      State: "ENABLED",
      Description: "agentcron/dev/berlin-digest: Nightly digest",
      FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 10 },
      ActionAfterCompletion: "NONE",
      Target: {
        Arn: FIRES_QUEUE_ARN,
        RoleArn: ROLE_ARN,
        Input: schedulerFireInput("berlin-digest"),
        RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: FIRES_DLQ_ARN },
      },
    });
    expect(fake.schedules.get(`${GROUP}/every-5`)).toMatchObject({
      State: "DISABLED",
      FlexibleTimeWindow: { Mode: "OFF" },
      // A fire later than its next one is dropped: the event age follows the period.
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 300 } },
    });
  });

  it("sends the fire message the fires queue accepts once Scheduler fills in the scheduled time", () => {
    // What Scheduler does with the input: the context attribute becomes the scheduled time.
    const body = schedulerFireInput("berlin-digest").replace(
      "<aws.scheduler.scheduled-time>",
      "2027-03-29T00:30:00Z",
    );
    expect(fireMessageSchema.parse(JSON.parse(body))).toEqual({
      version: 1,
      jobId: "berlin-digest",
      scheduledAt: "2027-03-29T00:30:00Z",
      source: "schedule",
    });
  });

  it("changes nothing the second time, brings back a schedule deleted by hand, and reports state changes", async () => {
    // Prepare
    const fake = createFakeScheduler();
    const reconciler = reconcilerFor(fake);
    const set = jobs(demoJobSpec({ id: "a" }), demoJobSpec({ id: "b" }), demoJobSpec({ id: "c" }));
    await reconciler.reconcile(set);
    const writesBefore = { ...fake.counts.byCommand };

    // Act
    const again = await reconciler.reconcile(set);
    const writesAfterAgain = { ...fake.counts.byCommand };
    fake.schedules.delete(`${GROUP}/b`);
    const repaired = await reconciler.reconcile(set);
    const paused = await reconciler.reconcile(
      jobs(demoJobSpec({ id: "a", enabled: false }), demoJobSpec({ id: "b", schedule: "rate(10 minutes)" })),
    );

    // Assess
    expect(actionsOf(again)).toEqual(["a:unchanged", "b:unchanged", "c:unchanged"]);
    expect(writesAfterAgain.CreateSchedule).toBe(writesBefore.CreateSchedule);
    expect(writesAfterAgain.UpdateSchedule).toBeUndefined();
    expect(actionsOf(repaired)).toEqual(["a:unchanged", "b:created", "c:unchanged"]);
    expect(actionsOf(paused)).toEqual(["a:disabled", "b:updated", "c:deleted"]);
    expect(fake.schedules.get(`${GROUP}/a`)?.State).toBe("DISABLED");
    expect(fake.schedules.get(`${GROUP}/b`)?.ScheduleExpression).toBe("rate(10 minutes)");
    expect(fake.schedules.has(`${GROUP}/c`)).toBe(false);
  });

  it("rewrites a schedule edited by hand back to the job's definition", async () => {
    const fake = createFakeScheduler();
    const reconciler = reconcilerFor(fake);
    const set = jobs(demoJobSpec({ id: "a", schedule: "cron(0 9 * * ? *)" }));
    await reconciler.reconcile(set);
    const stored = fake.schedules.get(`${GROUP}/a`);
    if (!stored?.Target) throw new Error("expected the schedule");
    stored.Target.Input = '{"version":1,"jobId":"someone-else"}';

    const changes = await reconciler.reconcile(set);

    expect(actionsOf(changes)).toEqual(["a:updated"]);
    expect(fake.schedules.get(`${GROUP}/a`)?.Target?.Input).toBe(schedulerFireInput("a"));
  });

  it("gives a one-time job a schedule that deletes itself, and none once its time has come", async () => {
    // Prepare
    const fake = createFakeScheduler();
    const clock = new ManualClock(Date.parse("2027-01-15T07:00:00Z"));
    const reconciler = reconcilerFor(fake, { clock });
    const set = jobs(
      demoJobSpec({ id: "once", schedule: "at(2027-01-15T09:00:00)", timezone: "Europe/Berlin" }),
    );

    // Act
    const before = await reconciler.reconcile(set);
    const created = structuredClone(fake.schedules.get(`${GROUP}/once`));
    fake.schedules.delete(`${GROUP}/once`); // it fired at 08:00Z and deleted itself
    clock.set(Date.parse("2027-01-15T08:01:00Z"));
    const after = await reconciler.reconcile(set);

    // Assess
    expect(actionsOf(before)).toEqual(["once:created"]);
    expect(created).toMatchObject({
      ScheduleExpression: "at(2027-01-15T09:00:00)",
      ActionAfterCompletion: "DELETE",
    });
    expect(after).toEqual([]);
    expect(fake.schedules.size).toBe(0);
  });

  it("changes nothing in a dry run", async () => {
    const fake = createFakeScheduler();
    const changes = await reconcilerFor(fake).reconcile(jobs(demoJobSpec({ id: "a" })), { dryRun: true });
    expect(actionsOf(changes)).toEqual(["a:created"]);
    expect(fake.schedules.size).toBe(0);
  });

  it("reports each change as it is made", async () => {
    const fake = createFakeScheduler();
    const seen: string[] = [];
    await reconcilerFor(fake).reconcile(jobs(demoJobSpec({ id: "a" }), demoJobSpec({ id: "b" })), {
      onChange: (change) =>
        seen.push(`${change.jobId}:${change.action}:${fake.schedules.has(`${GROUP}/${change.jobId}`)}`),
    });
    expect(seen.sort()).toEqual(["a:created:true", "b:created:true"]);
  });
});

describe("the EventBridge Scheduler reconciler at 10,000 jobs", () => {
  const TEN_THOUSAND = Array.from({ length: 10_000 }, (_, i) =>
    demoJobSpec({ id: `job-${String(i).padStart(5, "0")}`, schedule: `cron(${i % 60} ${i % 24} * * ? *)` }),
  );
  const manyJobs = jobs(...TEN_THOUSAND);

  it("creates every schedule, then re-checks them all, with a fifth of the calls throttled, within the deploy's 13-minute budget", async () => {
    // Prepare: 50 requests per second, 10 in flight, each call 40 ms, 20 % throttled.
    const timing = new VirtualTiming();
    const fake = createFakeScheduler({ throttleRate: 0.2, seed: 9, latencyMs: 40, timing });
    const reconciler = reconcilerFor(fake, { timing });
    const budgetMs = 13 * 60_000;

    // Act
    const firstStart = timing.now();
    const first = await reconciler.reconcile(manyJobs, { deadlineAt: firstStart + budgetMs });
    const firstMs = timing.now() - firstStart;
    const secondStart = timing.now();
    const second = await reconciler.reconcile(manyJobs, { deadlineAt: secondStart + budgetMs });
    const secondMs = timing.now() - secondStart;

    // Assess
    expect(first.filter((change) => change.action === "created")).toHaveLength(10_000);
    expect(fake.schedules.size).toBe(10_000);
    expect(second.every((change) => change.action === "unchanged")).toBe(true);
    expect(fake.counts.throttled).toBeGreaterThan(2_000);
    expect(firstMs).toBeLessThan(budgetMs);
    expect(secondMs).toBeLessThan(budgetMs);
  });

  it("continues where an interrupted pass stopped: a tight budget ends it early, the next pass finishes, nothing is created twice", async () => {
    // Prepare
    const timing = new VirtualTiming();
    const fake = createFakeScheduler({ throttleRate: 0.2, seed: 3, latencyMs: 40, timing });
    const reconciler = reconcilerFor(fake, { timing });
    const passes: { created: number; complete: boolean }[] = [];

    // Act: 60-second budgets, each pass resuming after the last, as the deploy's invocations do
    let resumeAfter: string | undefined;
    for (let pass = 0; pass < 20; pass++) {
      try {
        const changes = await reconciler.reconcile(manyJobs, {
          deadlineAt: timing.now() + 60_000,
          resumeAfter,
        });
        passes.push({
          created: changes.filter((change) => change.action === "created").length,
          complete: true,
        });
        break;
      } catch (error) {
        if (!(error instanceof ReconcileIncompleteError)) throw error;
        passes.push({
          created: error.changes.filter((change) => change.action === "created").length,
          complete: false,
        });
        resumeAfter = error.resumeAfter;
      }
    }

    // Assess
    expect(passes.length).toBeGreaterThan(1);
    expect(passes.at(-1)?.complete).toBe(true);
    expect(passes.reduce((sum, pass) => sum + pass.created, 0)).toBe(10_000);
    expect(fake.schedules.size).toBe(10_000);
    // Items finished past the resume point are checked again on the next pass, never rewritten.
    expect(fake.counts.byCommand.UpdateSchedule).toBeUndefined();
  });
});
