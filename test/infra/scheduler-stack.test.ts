import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { validateDeployedJobSet } from "#adapters/job-set-file.ts";
import { RuleQuotaError } from "#infra/agentcron-stack.ts";
import { SCHEDULE_ACTIONS } from "#infra/scheduler-backend.ts";
import {
  allowStatements,
  demoJobSpec,
  flatten,
  type SynthesisedStack,
  synthesise,
  synthesiseJobSet,
} from "./support/stack.ts";

const zonedJobs = [
  demoJobSpec({ id: "berlin-digest", schedule: "cron(30 2 * * ? *)", timezone: "Europe/Berlin" }),
  demoJobSpec({ id: "launch-note", schedule: "at(2027-01-15T09:00:00)", timezone: "America/New_York" }),
];

let scheduler: SynthesisedStack;
beforeAll(() => {
  scheduler = synthesise({ stage: "dev", schedules: "scheduler", jobs: zonedJobs });
}, 120_000);

describe("a stage on EventBridge Scheduler", () => {
  it("has the schedule group agentcron-<stage> and says so in its outputs and every function's environment", () => {
    scheduler.template.hasResourceProperties("AWS::Scheduler::ScheduleGroup", { Name: "agentcron-dev" });
    scheduler.template.hasOutput("ScheduleBackend", { Value: "scheduler" });
    const functions = scheduler.template.findResources("AWS::Lambda::Function");
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Environment.Variables.AGENTCRON_SCHEDULES).toBe("scheduler");
    }
  });

  it("watches the group's failed deliveries (AWS/Scheduler), not the default bus's rules", () => {
    const alarms = scheduler.template.findResources("AWS::CloudWatch::Alarm", {
      Properties: { AlarmName: "agentcron-dev-schedule-target-failures" },
    });
    const [alarm] = Object.values(alarms);
    const namespaces = (alarm?.Properties.Metrics ?? [])
      .map((m: { MetricStat?: { Metric?: { Namespace?: string } } }) => m.MetricStat?.Metric?.Namespace)
      .filter(Boolean);
    expect(namespaces).toEqual(["AWS/Scheduler", "AWS/Scheduler"]);
  });

  it("gives Scheduler a role that only this group's schedules in this account may assume, and that may only send to the fires queue and its DLQ", () => {
    const roles = scheduler.template.findResources("AWS::IAM::Role", {
      Properties: { RoleName: "agentcron-dev-scheduler" },
    });
    const [roleId, role] = Object.entries(roles)[0] ?? [];
    expect(role?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
          ArnLike: { "aws:SourceArn": expect.anything() },
        },
      },
    ]);
    expect(
      flatten(role?.Properties.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike["aws:SourceArn"]),
    ).toBe("arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/agentcron-dev/*");
    const policies = scheduler.template.findResources("AWS::IAM::Policy");
    const rolePolicyIds = Object.entries(policies)
      .filter(([, policy]) => policy.Properties.Roles.some((r: unknown) => flatten(r) === `<${roleId}>`))
      .map(([id]) => id);
    const statements = allowStatements(scheduler.template).filter((s) => rolePolicyIds.includes(s.policy));
    expect(statements.map((s) => s.actions)).toEqual([["sqs:SendMessage"]]);
    expect(statements[0]?.resources).toHaveLength(2);
  });

  it("lets the job-apply function change only its group's schedules, pass only that role, and list nothing but schedules", () => {
    const applyStatements = allowStatements(scheduler.template).filter((statement) =>
      statement.actions.some(
        (action) =>
          action.startsWith("scheduler:") ||
          (action.startsWith("events:") && action !== "events:PutEvents") ||
          action === "iam:PassRole",
      ),
    );
    // (and the sweeper's scheduler:GetSchedule, to say why a fire never arrived)
    expect(applyStatements.flatMap((s) => s.actions).sort()).toEqual(
      [...SCHEDULE_ACTIONS, "scheduler:ListSchedules", "iam:PassRole", "scheduler:GetSchedule"].sort(),
    );
    const scoped = applyStatements.find((s) => s.actions.includes("scheduler:CreateSchedule"));
    expect(scoped?.resources).toEqual([
      "arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/agentcron-dev/*",
    ]);
    expect(applyStatements.find((s) => s.actions.includes("scheduler:ListSchedules"))?.resources).toEqual([
      "*",
    ]);
    // No events:ListRules on "*", and no queue policy for job rules: nothing on this stage uses them.
    expect(JSON.stringify(scheduler.template.toJSON())).not.toContain("events:ListRules");
    expect(JSON.stringify(scheduler.template.toJSON())).not.toContain("AllowAgentcronJobRules");
  });

  it("has no cdk-nag finding without a documented reason", () => {
    const report = new AwsSolutionsChecks().validateScope(scheduler.stack);

    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
  });

  it("hands the custom resource the backend, the role and the job set's S3 object, and a token that changes every synthesis", () => {
    const resources = scheduler.template.findResources("Custom::AgentcronJobSchedules");
    const properties = Object.values(resources)[0]?.Properties;
    expect(properties).toMatchObject({ Stage: "dev", Schedules: "scheduler" });
    expect(flatten(properties.SchedulerExecutionRoleArn)).toMatch(/^<.*ExecutionRole.*\.Arn>$/);
    expect(properties.JobsJson).toBeUndefined();
    expect(properties.JobsKey).toMatch(/\.json$/);
    const again = synthesise({
      stage: "dev",
      schedules: "scheduler",
      jobs: zonedJobs,
      reconcileToken: "fixed",
    });
    const token = Object.values(again.template.findResources("Custom::AgentcronJobSchedules"))[0]?.Properties
      .ReconcileToken;
    expect(token).toBe("fixed");
    expect(properties.ReconcileToken).not.toBe("fixed");
  });
});

describe("a stage's size does not grow with its jobs", () => {
  /** 10,000 jobs deployed; alarms built for none (the per-job alarms are being removed in infra/alarms.ts). */
  const withJobs = (count: number) => {
    const document = {
      jobs: Array.from({ length: count }, (_, i) =>
        demoJobSpec({
          id: `job-${String(i).padStart(5, "0")}`,
          schedule: `cron(${i % 60} ${i % 24} * * ? *)`,
          timezone: "Europe/Berlin",
        }),
      ),
    };
    const validated = validateDeployedJobSet(document, "jobs.json", "scheduler");
    const synthesised = synthesiseJobSet(
      { document, jobs: [] },
      { stage: "dev", schedules: "scheduler", reconcileToken: "fixed" },
    );
    return { validated, synthesised };
  };

  it("synthesises 10,000 jobs on EventBridge Scheduler with as many resources as one job, and a template far under 1 MB", () => {
    // Act
    const one = withJobs(1);
    const tenThousand = withJobs(10_000);

    // Assess
    expect(tenThousand.validated.jobs).toHaveLength(10_000);
    const count = (stack: SynthesisedStack | undefined) =>
      Object.keys(stack?.template.toJSON().Resources ?? {}).length;
    expect(count(tenThousand?.synthesised)).toBe(count(one?.synthesised));
    expect(JSON.stringify(tenThousand?.synthesised.template.toJSON()).length).toBeLessThan(1_000_000);
  }, 300_000);
});

describe("a stage on EventBridge rules", () => {
  it("refuses 301 jobs with the quota message and the switch to make", () => {
    const jobs = Array.from({ length: 301 }, (_, i) => demoJobSpec({ id: `job-${i}` }));

    const act = () => synthesise({ stage: "dev", jobs });

    expect(act).toThrow(RuleQuotaError);
    expect(act).toThrow(
      /EventBridge allows 300 rules.*needs 301 rules.*-c schedules=scheduler.*-c eventBridgeRuleQuota=N/,
    );
  });

  it("passes a raised quota (-c eventBridgeRuleQuota) to the reconciler", () => {
    // Alarms built for none of them: per-job alarms alone would exceed CloudFormation's 500 resources.
    const document = { jobs: Array.from({ length: 301 }, (_, i) => demoJobSpec({ id: `job-${i}` })) };

    const { template } = synthesiseJobSet({ document, jobs: [] }, { stage: "dev", ruleQuota: 500 });

    template.hasResourceProperties("Custom::AgentcronJobSchedules", { Schedules: "rules", RuleQuota: 500 });
  });
});
