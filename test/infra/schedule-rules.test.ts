import { ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import {
  createScheduleRules,
  FIRES_TARGET_ID,
  fireInputTransformer,
  InvalidStageError,
  ruleNameFor,
  ScheduleRuleConflictError,
  ScheduleRuleWriteError,
  validateStage,
} from "#adapters/eventbridge/schedule-rules.ts";
import { validateDeployedJobSet } from "#adapters/job-set-file.ts";
import { ScheduleQuotaError } from "#adapters/schedules/schedule-quota-error.ts";
import { fireMessageSchema } from "#core/fires/fire-message.ts";
import type { JobSpec } from "#core/jobs/job-schema.ts";
import { VirtualTiming } from "#test/support/virtual-timing.ts";
import { createFakeEventBridge } from "./support/fake-eventbridge.ts";
import { demoJobSpec } from "./support/stack.ts";

const FIRES_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:agentcron-dev-fires";
const FIRES_DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:agentcron-dev-fires-dlq";

function jobs(...specs: JobSpec[]) {
  return validateDeployedJobSet({ jobs: specs }).jobs;
}

function reconcilerFor(fake: ReturnType<typeof createFakeEventBridge>, stage = "dev", ruleQuota?: number) {
  return createScheduleRules({
    client: fake.client,
    stage,
    firesQueueArn: FIRES_QUEUE_ARN,
    deadLetterQueueArn: FIRES_DLQ_ARN,
    ruleQuota,
    timing: new VirtualTiming(),
  });
}

/**
 * What EventBridge does with the input transformer for a scheduled event: a bare `<placeholder>` in
 * a JSON template becomes the value as JSON (strings quoted).
 */
function renderTarget(
  transformer: { InputTemplate?: string; InputPathsMap?: Record<string, string> },
  time: string,
) {
  expect(transformer.InputPathsMap).toEqual({ scheduledAt: "$.time" });
  return JSON.parse((transformer.InputTemplate ?? "").replace("<scheduledAt>", JSON.stringify(time)));
}

describe("the EventBridge schedule reconciler", () => {
  it("creates one enabled rule per job on the default bus, targeting the fires queue with the job's fire message", async () => {
    // Prepare
    const fake = createFakeEventBridge();
    const reconciler = reconcilerFor(fake);

    // Act
    const changes = await reconciler.reconcile(
      jobs(
        demoJobSpec({ id: "inbox-triage", schedule: "rate(2 minutes)", description: "Triage the inbox" }),
        demoJobSpec({ id: "seo-refresh", schedule: "cron(0/1 * * * ? *)", enabled: false }),
      ),
    );

    // Assess
    expect(changes).toEqual([
      { jobId: "inbox-triage", ruleName: "ac-dev-inbox-triage", action: "created" },
      { jobId: "seo-refresh", ruleName: "ac-dev-seo-refresh", action: "created" },
    ]);
    const inbox = fake.rules.get("ac-dev-inbox-triage");
    expect(inbox?.rule).toMatchObject({
      ScheduleExpression: "rate(2 minutes)",
      State: "ENABLED",
      Description: "agentcron/dev/inbox-triage: Triage the inbox",
    });
    expect(fake.rules.get("ac-dev-seo-refresh")?.rule).toMatchObject({
      ScheduleExpression: "cron(0/1 * * * ? *)",
      State: "DISABLED",
    });
    expect(inbox?.targets).toEqual([
      {
        Id: FIRES_TARGET_ID,
        Arn: FIRES_QUEUE_ARN,
        InputTransformer: fireInputTransformer("inbox-triage"),
        // rate(2 minutes): the default start deadline is the period, at least 2 minutes.
        RetryPolicy: { MaximumEventAgeInSeconds: 120, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: FIRES_DLQ_ARN },
      },
    ]);
  });

  it("sends exactly the fire message schema, with scheduledAt from the event's time", () => {
    const message = renderTarget(fireInputTransformer("inbox-triage"), "2026-11-22T04:00:00Z");

    expect(message).toEqual({
      version: 1,
      jobId: "inbox-triage",
      scheduledAt: "2026-11-22T04:00:00Z",
      source: "schedule",
    });
    expect(fireMessageSchema.parse(message)).toEqual(message);
  });

  it("changes nothing when the same job set is applied twice", async () => {
    // Prepare
    const fake = createFakeEventBridge();
    const reconciler = reconcilerFor(fake);
    const set = jobs(demoJobSpec({ id: "a" }), demoJobSpec({ id: "b", enabled: false }));
    await reconciler.reconcile(set);
    fake.mock.resetHistory();

    // Act
    const changes = await reconciler.reconcile(set);

    // Assess
    expect(changes.map((change) => change.action)).toEqual(["unchanged", "unchanged"]);
    expect(fake.writes()).toEqual([]);
  });

  it("updates a changed schedule, disables and enables jobs, and deletes the rules of removed jobs", async () => {
    // Prepare
    const fake = createFakeEventBridge();
    const reconciler = reconcilerFor(fake);
    await reconciler.reconcile(
      jobs(
        demoJobSpec({ id: "keep" }),
        demoJobSpec({ id: "reschedule", schedule: "rate(5 minutes)" }),
        demoJobSpec({ id: "pause" }),
        demoJobSpec({ id: "resume", enabled: false }),
        demoJobSpec({ id: "remove" }),
      ),
    );
    fake.mock.resetHistory();

    // Act
    const changes = await reconciler.reconcile(
      jobs(
        demoJobSpec({ id: "keep" }),
        demoJobSpec({ id: "reschedule", schedule: "rate(15 minutes)" }),
        demoJobSpec({ id: "pause", enabled: false }),
        demoJobSpec({ id: "resume", enabled: true }),
        demoJobSpec({ id: "added" }),
      ),
    );

    // Assess
    expect(changes).toEqual([
      { jobId: "added", ruleName: "ac-dev-added", action: "created" },
      { jobId: "keep", ruleName: "ac-dev-keep", action: "unchanged" },
      { jobId: "pause", ruleName: "ac-dev-pause", action: "disabled" },
      { jobId: "remove", ruleName: "ac-dev-remove", action: "deleted" },
      { jobId: "reschedule", ruleName: "ac-dev-reschedule", action: "updated" },
      { jobId: "resume", ruleName: "ac-dev-resume", action: "enabled" },
    ]);
    expect(fake.writes()).toEqual([
      "DeleteRule ac-dev-remove",
      "DisableRule ac-dev-pause",
      "EnableRule ac-dev-resume",
      "PutRule ac-dev-added",
      "PutRule ac-dev-reschedule",
      "PutTargets ac-dev-added",
      "PutTargets ac-dev-reschedule",
      "RemoveTargets ac-dev-remove",
    ]);
    expect(fake.rules.has("ac-dev-remove")).toBe(false);
    expect(fake.rules.get("ac-dev-reschedule")?.rule.ScheduleExpression).toBe("rate(15 minutes)");
  });

  it("repairs a rule whose target was changed by hand, dropping targets it did not put there", async () => {
    // Prepare
    const fake = createFakeEventBridge();
    const reconciler = reconcilerFor(fake);
    const set = jobs(demoJobSpec({ id: "a" }));
    await reconciler.reconcile(set);
    const stored = fake.rules.get("ac-dev-a");
    if (!stored) throw new Error("rule not created");
    stored.targets = [
      { Id: FIRES_TARGET_ID, Arn: FIRES_QUEUE_ARN, Input: '{"jobId":"a"}' },
      { Id: "someone-elses", Arn: "arn:aws:sqs:us-east-1:123456789012:other" },
    ];

    // Act
    const changes = await reconciler.reconcile(set);

    // Assess
    expect(changes.map((change) => change.action)).toEqual(["updated"]);
    expect(fake.rules.get("ac-dev-a")?.targets).toEqual([
      {
        Id: FIRES_TARGET_ID,
        Arn: FIRES_QUEUE_ARN,
        InputTransformer: fireInputTransformer("a"),
        RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: FIRES_DLQ_ARN },
      },
    ]);
  });

  it("never touches another stage's rules or rules without its owner marker", async () => {
    // Prepare
    const fake = createFakeEventBridge();
    fake.seed(
      {
        Name: "ac-prod-a",
        ScheduleExpression: "rate(5 minutes)",
        State: "ENABLED",
        Description: "agentcron/prod/a",
      },
      [{ Id: FIRES_TARGET_ID, Arn: "arn:aws:sqs:us-east-1:123456789012:agentcron-prod-fires" }],
    );
    fake.seed({ Name: "ac-dev2-a", ScheduleExpression: "rate(5 minutes)", Description: "agentcron/dev2/a" });
    fake.seed({
      Name: "ac-dev-handmade",
      ScheduleExpression: "rate(1 hour)",
      Description: "made in the console",
    });
    fake.seed({
      Name: "ac-dev-other",
      ScheduleExpression: "rate(1 hour)",
      Description: "agentcron/prod/other",
    });
    const reconciler = reconcilerFor(fake);

    // Act: an empty set deletes every rule this stage owns.
    const changes = await reconciler.reconcile(jobs(demoJobSpec({ id: "a" })));
    const removal = await reconciler.reconcile([]);

    // Assess
    expect(changes).toEqual([{ jobId: "a", ruleName: "ac-dev-a", action: "created" }]);
    expect(removal).toEqual([{ jobId: "a", ruleName: "ac-dev-a", action: "deleted" }]);
    expect([...fake.rules.keys()].sort()).toEqual([
      "ac-dev-handmade",
      "ac-dev-other",
      "ac-dev2-a",
      "ac-prod-a",
    ]);
    expect(fake.writes().filter((write) => !write.endsWith(" ac-dev-a"))).toEqual([]);
  });

  it("refuses to overwrite a foreign rule that has one of its jobs' names", async () => {
    const fake = createFakeEventBridge();
    fake.seed({ Name: "ac-dev-a", ScheduleExpression: "rate(1 hour)", Description: "someone else's" });
    const reconciler = reconcilerFor(fake);

    await expect(reconciler.reconcile(jobs(demoJobSpec({ id: "a" })))).rejects.toThrow(
      ScheduleRuleConflictError,
    );
    await expect(reconciler.reconcile(jobs(demoJobSpec({ id: "a" })))).rejects.toThrow(
      /not created by agentcron stage "dev"/,
    );
    expect(fake.writes()).toEqual([]);
  });

  it("reports what it would change on a dry run and writes nothing", async () => {
    const fake = createFakeEventBridge();
    const reconciler = reconcilerFor(fake);
    await reconciler.reconcile(jobs(demoJobSpec({ id: "old" })));
    fake.mock.resetHistory();

    const changes = await reconciler.reconcile(jobs(demoJobSpec({ id: "new" })), { dryRun: true });

    expect(changes.map(({ jobId, action }) => `${action} ${jobId}`)).toEqual(["created new", "deleted old"]);
    expect(fake.writes()).toEqual([]);
    expect([...fake.rules.keys()]).toEqual(["ac-dev-old"]);
  });

  it("reads every page of ListRules", async () => {
    const fake = createFakeEventBridge({ pageSize: 2 });
    const reconciler = reconcilerFor(fake);
    const set = jobs(...["a", "b", "c", "d", "e"].map((id) => demoJobSpec({ id })));
    await reconciler.reconcile(set);

    const changes = await reconciler.reconcile(set.slice(0, 1));

    expect(changes.filter((change) => change.action === "deleted").map((change) => change.jobId)).toEqual([
      "b",
      "c",
      "d",
      "e",
    ]);
  });

  it("raises an error naming the rule when EventBridge refuses the target", async () => {
    const fake = createFakeEventBridge();
    fake.mock.on(PutTargetsCommand).resolves({
      FailedEntryCount: 1,
      FailedEntries: [{ TargetId: FIRES_TARGET_ID, ErrorCode: "AccessDenied", ErrorMessage: "no" }],
    });
    const reconciler = reconcilerFor(fake);

    const act = reconciler.reconcile(jobs(demoJobSpec({ id: "a" })));

    await expect(act).rejects.toThrow(ScheduleRuleWriteError);
    await expect(reconciler.reconcile(jobs(demoJobSpec({ id: "a" })))).rejects.toThrow(
      /rule ac-dev-a: agentcron-fires: AccessDenied/,
    );
  });
});

describe("the EventBridge rule quota", () => {
  it("is checked before any rule is created: the error counts every rule on the bus and names the fix", async () => {
    // Prepare: another application's 295 rules share the default bus
    const fake = createFakeEventBridge();
    for (let i = 0; i < 295; i++) fake.seed({ Name: `other-app-${i}`, ScheduleExpression: "rate(1 hour)" });
    const reconciler = reconcilerFor(fake);

    // Act
    const act = reconciler.reconcile(
      jobs(...Array.from({ length: 6 }, (_, i) => demoJobSpec({ id: `job-${i}` }))),
    );

    // Assess
    await expect(act).rejects.toThrow(ScheduleQuotaError);
    await expect(act).rejects.toThrow(
      /allows 300 rules.*295 rules exist on it and this job set needs 6 more.*-c schedules=scheduler/,
    );
    expect(fake.writes()).toEqual([]);
  });

  it("counts the stage's rules that the set removes as freed", async () => {
    const fake = createFakeEventBridge();
    const reconciler = reconcilerFor(fake, "dev", 3);
    await reconciler.reconcile(
      jobs(demoJobSpec({ id: "a" }), demoJobSpec({ id: "b" }), demoJobSpec({ id: "c" })),
    );

    const changes = await reconciler.reconcile(jobs(demoJobSpec({ id: "d" }), demoJobSpec({ id: "e" })));

    expect(changes.map(({ jobId, action }) => `${jobId}:${action}`)).toEqual([
      "a:deleted",
      "b:deleted",
      "c:deleted",
      "d:created",
      "e:created",
    ]);
  });

  it("treats LimitExceededException as final: one PutRule, then the quota error with the fix", async () => {
    const fake = createFakeEventBridge();
    fake.mock.on(PutRuleCommand).rejects(
      Object.assign(new Error("The requested resource exceeds the maximum number allowed."), {
        name: "LimitExceededException",
      }),
    );
    const reconciler = reconcilerFor(fake);

    const act = reconciler.reconcile(jobs(demoJobSpec({ id: "a" })));

    await expect(act).rejects.toThrow(/exceeds the maximum number allowed.*-c schedules=scheduler/);
    expect(fake.mock.commandCalls(PutRuleCommand)).toHaveLength(1);
  });

  it("retries throttled calls and still converges", async () => {
    // Prepare: each rule's first ListTargetsByRule call is throttled (per rule, so the outcome does
    // not depend on how the concurrent calls interleave)
    const fake = createFakeEventBridge();
    const reconciler = reconcilerFor(fake);
    const set = jobs(...Array.from({ length: 20 }, (_, i) => demoJobSpec({ id: `job-${i}` })));
    await reconciler.reconcile(set);
    let calls = 0;
    const throttledOnce = new Set<string>();
    const original = fake.mock.commandCalls(ListTargetsByRuleCommand).length;
    fake.mock.on(ListTargetsByRuleCommand).callsFake((input) => {
      calls++;
      if (!throttledOnce.has(input.Rule ?? "")) {
        throttledOnce.add(input.Rule ?? "");
        throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      }
      return { Targets: structuredClone(fake.rules.get(input.Rule ?? "")?.targets ?? []) };
    });

    // Act
    const changes = await reconciler.reconcile(set);

    // Assess
    expect(original).toBe(0);
    expect(changes.every((change) => change.action === "unchanged")).toBe(true);
    expect(calls).toBe(40);
    expect(throttledOnce.size).toBe(20);
  });
});

describe("stage names", () => {
  it("keep every rule name within EventBridge's 64 characters", () => {
    const longestJobId = `a${"b".repeat(47)}`;

    expect(ruleNameFor("abcdefghijkl", longestJobId)).toHaveLength(64);
  });

  it("are refused with a clear reason when too long, hyphenated or not starting with a letter", () => {
    expect(() => validateStage("abcdefghijklm")).toThrow(InvalidStageError);
    expect(() => validateStage("abcdefghijklm")).toThrow(/13 characters long \(at most 12\).*64 characters/);
    expect(() => validateStage("dev-2")).toThrow(/no '-'/);
    expect(() => validateStage("2dev")).toThrow(/start with a letter/);
    expect(() =>
      createScheduleRules({
        client: createFakeEventBridge().client,
        stage: "Prod",
        firesQueueArn: FIRES_QUEUE_ARN,
      }),
    ).toThrow(InvalidStageError);
    expect(validateStage("pr123")).toBe("pr123");
  });
});
