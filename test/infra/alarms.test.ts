import { App, Duration, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as sns from "aws-cdk-lib/aws-sns";
import { beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "#core/metric-names.ts";
import { ENVIRONMENT } from "#functions/commons/environment.ts";
import { AgentcronAlarms } from "#infra/alarms.ts";
import { WorkQueue } from "#infra/queues.ts";
import { allowStatements, demoJobSpec, flatten, type SynthesisedStack, synthesise } from "./support/stack.ts";

interface MetricStatView {
  readonly Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] };
  readonly Stat: string;
  readonly Period: number;
}

interface AlarmView {
  readonly AlarmName: string;
  readonly AlarmDescription: string;
  readonly AlarmActions: unknown[];
  readonly OKActions: unknown[];
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
  readonly Metrics?: { Id: string; Expression?: string; MetricStat?: MetricStatView; Period?: number }[];
  readonly Statistic?: string;
  readonly Period?: number;
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm: number;
  readonly TreatMissingData: string;
}

const STAGE_ALARMS = [
  "jobs-unhealthy",
  "runs-failing",
  "runs-not-started",
  "fires-missed",
  "harness-missing",
  "fires-rejected",
  "poison-messages",
  "sweeper-not-running",
  "fires-dlq-not-empty",
  "fires-dlq-growing",
  "turns-dlq-not-empty",
  "turns-dlq-growing",
  "fires-delayed",
  "turns-delayed",
  "schedule-target-failures",
  "table-throttled",
  ...["dispatch", "turn", "sweep"].flatMap((fn) => [`${fn}-errors`, `${fn}-throttles`]),
];

function alarmsOf(template: Template): Map<string, AlarmView> {
  return new Map(
    Object.values(template.findResources("AWS::CloudWatch::Alarm")).map((alarm) => [
      alarm.Properties.AlarmName as string,
      alarm.Properties as AlarmView,
    ]),
  );
}

let dev: SynthesisedStack;
let alarms: Map<string, AlarmView>;
beforeAll(() => {
  dev = synthesise({
    stage: "dev",
    jobs: [
      demoJobSpec({ id: "inbox-triage", schedule: "rate(10 minutes)" }),
      demoJobSpec({
        id: "nightly-report",
        schedule: "cron(0 2 * * ? *)",
        timeouts: { agentTurnSeconds: 300 },
      }),
    ],
  });
  alarms = alarmsOf(dev.template);
  // Synthesising takes seconds, and more on a busy machine.
}, 120_000);

function alarm(name: string, from: Map<string, AlarmView> = alarms): AlarmView {
  const found = from.get(name);
  if (!found) throw new Error(`no alarm named ${name}; alarms: ${[...from.keys()].join(", ")}`);
  return found;
}

function dimensionsOf(dimensions: { Name: string; Value: unknown }[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (dimensions ?? []).map((dimension) => [dimension.Name, flatten(dimension.Value)]),
  );
}

/** The metrics a math-expression alarm reads, by id. */
function metricsOf(view: AlarmView): Record<string, MetricStatView> {
  return Object.fromEntries(
    (view.Metrics ?? []).flatMap((query) => (query.MetricStat ? [[query.Id, query.MetricStat]] : [])),
  );
}

function expressionOf(view: AlarmView): string | undefined {
  return view.Metrics?.find((query) => query.Expression)?.Expression;
}

describe("the alarms", () => {
  it("are the stage's alone: the same set, and the same stack, for 10 jobs or 1,000", () => {
    const jobs = (count: number) =>
      Array.from({ length: count }, (_, index) =>
        demoJobSpec({ id: `job-${String(index).padStart(4, "0")}` }),
      );
    // 1,000 rules need a raised quota (-c eventBridgeRuleQuota) on the rules backend.
    const ten = synthesise({ stage: "dev", jobs: jobs(10), ruleQuota: 1_000 });
    const thousand = synthesise({ stage: "dev", jobs: jobs(1_000), ruleQuota: 1_000 });
    const resourceTypes = (synthesised: SynthesisedStack) =>
      Object.values(synthesised.template.toJSON().Resources as Record<string, { Type: string }>)
        .map((resource) => resource.Type)
        .sort();

    expect([...alarmsOf(ten.template).keys()].sort()).toEqual(
      STAGE_ALARMS.map((what) => `agentcron-dev-${what}`).sort(),
    );
    expect([...alarmsOf(thousand.template).keys()].sort()).toEqual([...alarmsOf(ten.template).keys()].sort());
    expect(resourceTypes(thousand)).toEqual(resourceTypes(ten));
    for (const [name, view] of alarmsOf(thousand.template)) {
      expect(name, name).not.toMatch(/job-\d{4}/);
      const dimensionNames = [
        ...(view.Dimensions ?? []),
        ...Object.values(metricsOf(view)).flatMap((stat) => stat.Metric.Dimensions ?? []),
      ].map((dimension) => dimension.Name);
      expect(dimensionNames, name).not.toContain("jobId");
    }
  });

  it("all publish ALARM and OK notifications to the one alarm topic", () => {
    const topics = Object.keys(dev.template.findResources("AWS::SNS::Topic"));

    expect(topics).toHaveLength(1);
    for (const [name, view] of alarms) {
      expect(view.AlarmActions.map(flatten), name).toEqual([`<${topics[0]}>`]);
      expect(view.OKActions.map(flatten), name).toEqual([`<${topics[0]}>`]);
    }
  });

  it("have the documented stable names, and a description that names the first command to run", () => {
    expect([...alarms.keys()].sort()).toEqual(STAGE_ALARMS.map((what) => `agentcron-dev-${what}`).sort());
    for (const [name, view] of alarms) {
      expect(view.AlarmDescription, name).toMatch(new RegExp(`^\\[${name}\\] `));
      expect(view.AlarmDescription, name).toMatch(
        /First: npx agentcron (jobs list --unhealthy|dlq list|doctor)/,
      );
    }
  });

  it("raise jobs-unhealthy while any job is unhealthy, from the count the sweeper publishes", () => {
    const view = alarm("agentcron-dev-jobs-unhealthy");

    expect(view).toMatchObject({
      Namespace: "agentcron",
      MetricName: METRICS.unhealthyJobs,
      Statistic: "Maximum",
      Period: 60,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "ignore",
    });
    expect(dimensionsOf(view.Dimensions)).toEqual({ service: "agentcron-dev" });
  });

  it("judge the stage's share of failed runs only once 10 runs ended in the window", () => {
    const view = alarm("agentcron-dev-runs-failing");
    const metrics = metricsOf(view);

    expect(expressionOf(view)).toBe("IF(ended >= 10, 100 * share, 0)");
    expect(view).toMatchObject({ Threshold: 50, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
    expect(metrics.share).toMatchObject({ Stat: "Average", Period: 900 });
    expect(metrics.ended).toMatchObject({ Stat: "SampleCount", Period: 900 });
    expect(metrics.share?.Metric.MetricName).toBe(METRICS.failedRunRatio);
    expect(dimensionsOf(metrics.share?.Metric.Dimensions)).toEqual({ service: "agentcron-dev" });
  });

  it("raise the first run not started, missed fire, missing harness, rejected fire or poison message of 5 minutes", () => {
    for (const [what, metricName] of [
      ["runs-not-started", METRICS.runsNotStarted],
      ["fires-missed", METRICS.firesMissed],
      ["harness-missing", METRICS.harnessNotRegistered],
      ["fires-rejected", METRICS.firesRejected],
      ["poison-messages", METRICS.poisonMessages],
    ] as const) {
      const view = alarm(`agentcron-dev-${what}`);
      expect(view, what).toMatchObject({
        Namespace: "agentcron",
        MetricName: metricName,
        Statistic: "Sum",
        Period: 300,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
      // Stage-wide: the series every deployment publishes, whatever perJobMetrics says.
      expect(dimensionsOf(view.Dimensions), what).toEqual({ service: "agentcron-dev" });
    }
  });

  it("treat five minutes without a completed sweep as the sweeper not running", () => {
    expect(alarm("agentcron-dev-sweeper-not-running")).toMatchObject({
      MetricName: METRICS.sweepsCompleted,
      Statistic: "Sum",
      Period: 60,
      EvaluationPeriods: 5,
      Threshold: 1,
      ComparisonOperator: "LessThanThreshold",
      TreatMissingData: "breaching",
    });
  });

  it("watch both dead-letter queues for a first message, and again for each new batch", () => {
    for (const role of ["fires", "turns"]) {
      const queueName = new RegExp(
        `^<${role[0]?.toUpperCase()}${role.slice(1)}DeadLetterQueue.*\\.QueueName>$`,
      );
      const notEmpty = alarm(`agentcron-dev-${role}-dlq-not-empty`);
      const growing = alarm(`agentcron-dev-${role}-dlq-growing`);

      expect(notEmpty).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
      expect(dimensionsOf(notEmpty.Dimensions).QueueName).toMatch(queueName);
      expect(expressionOf(growing)).toBe("DIFF(depth)");
      expect(metricsOf(growing).depth).toMatchObject({ Stat: "Maximum", Period: 300 });
      expect(dimensionsOf(metricsOf(growing).depth?.Metric.Dimensions).QueueName).toMatch(queueName);
      expect(growing).toMatchObject({ Threshold: 1, TreatMissingData: "notBreaching" });
      for (const view of [notEmpty, growing]) {
        expect(view.AlarmDescription).toContain(`npx agentcron dlq list ${role}`);
      }
    }
  });

  it("raise a backlog of fires after 5 minutes, and of turns after the longest turn plus 5 minutes", () => {
    const turnTimeout = dev.stack.turnTimeoutSeconds;

    expect(alarm("agentcron-dev-fires-delayed")).toMatchObject({
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 300,
      EvaluationPeriods: 3,
    });
    expect(alarm("agentcron-dev-turns-delayed")).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateAgeOfOldestMessage",
      Statistic: "Maximum",
      Threshold: turnTimeout + 300,
      EvaluationPeriods: 3,
    });
    expect(dimensionsOf(alarm("agentcron-dev-turns-delayed").Dimensions).QueueName).toMatch(/^<TurnsQueue/);
  });

  it("raise throttling on the table that lasts 3 minutes out of 5, reads and writes", () => {
    const view = alarm("agentcron-dev-table-throttled");
    const metrics = metricsOf(view);

    expect(view).toMatchObject({ EvaluationPeriods: 5, DatapointsToAlarm: 3, Threshold: 1 });
    expect(expressionOf(view)).toBe("FILL(reads, 0) + FILL(writes, 0)");
    for (const [id, metricName] of [
      ["reads", "ReadThrottleEvents"],
      ["writes", "WriteThrottleEvents"],
    ] as const) {
      expect(metrics[id]?.Metric).toMatchObject({ Namespace: "AWS/DynamoDB", MetricName: metricName });
      expect(dimensionsOf(metrics[id]?.Metric.Dimensions).TableName).toMatch(/^<Table/);
    }
  });

  it("raise failed deliveries of the EventBridge rules (the default schedule backend)", () => {
    const view = alarm("agentcron-dev-schedule-target-failures");

    expect(expressionOf(view)).toBe(`SELECT SUM(FailedInvocations) FROM SCHEMA("AWS/Events", RuleName)`);
    expect(view).toMatchObject({ Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
  });

  it("raise failed deliveries of the stage's EventBridge Scheduler group on the scheduler backend", () => {
    const stack = new Stack(new App(), "AlarmsOnScheduler");
    const alarmsConstruct = new AgentcronAlarms(stack, "Alarms", {
      stage: "dev",
      topic: new sns.Topic(stack, "Topic"),
      functions: [],
      fires: new WorkQueue(stack, "Fires", {
        namePrefix: "agentcron-dev",
        role: "fires",
        consumerTimeout: Duration.seconds(30),
      }),
      turns: new WorkQueue(stack, "Turns", {
        namePrefix: "agentcron-dev",
        role: "turns",
        consumerTimeout: Duration.seconds(60),
      }),
      table: new dynamodb.Table(stack, "Table", {
        partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      }),
      turnTimeout: Duration.seconds(60),
      schedules: "scheduler",
    });
    const view = alarm("agentcron-dev-schedule-target-failures", alarmsOf(Template.fromStack(stack)));
    const metrics = metricsOf(view);

    expect(alarmsConstruct.alarms).toHaveLength(STAGE_ALARMS.length - 6);
    expect(expressionOf(view)).toBe("FILL(errors, 0) + FILL(dropped, 0)");
    expect(metrics.errors?.Metric).toMatchObject({
      Namespace: "AWS/Scheduler",
      MetricName: "TargetErrorCount",
    });
    expect(metrics.dropped?.Metric).toMatchObject({
      Namespace: "AWS/Scheduler",
      MetricName: "InvocationDroppedCount",
    });
    expect(dimensionsOf(metrics.errors?.Metric.Dimensions)).toEqual({ ScheduleGroup: "agentcron-dev" });
  });

  it("watch every run-engine function for errors and throttles", () => {
    for (const fn of ["dispatch", "turn", "sweep"]) {
      for (const [what, metric] of [
        ["errors", "Errors"],
        ["throttles", "Throttles"],
      ]) {
        const view = alarm(`agentcron-dev-${fn}-${what}`);
        expect(view).toMatchObject({ Namespace: "AWS/Lambda", MetricName: metric, Threshold: 1 });
        expect(dimensionsOf(view.Dimensions).FunctionName).toMatch(
          new RegExp(`${fn[0]?.toUpperCase()}${fn.slice(1)}Function`, "i"),
        );
      }
    }
  });
});

describe("job health on the alarm topic", () => {
  it("lets dispatch, turn and sweep publish to the alarm topic (and use its key), and tells them where it is", () => {
    const [topic] = Object.keys(dev.template.findResources("AWS::SNS::Topic"));
    const functions = Object.values(dev.template.findResources("AWS::Lambda::Function"));
    const publishers = allowStatements(dev.template).filter((statement) =>
      statement.actions.includes("sns:Publish"),
    );

    for (const name of ["dispatch", "turn", "sweep"]) {
      const fn = functions.find((candidate) => candidate.Properties.FunctionName === `agentcron-dev-${name}`);
      const variables = fn?.Properties.Environment.Variables as Record<string, unknown>;
      expect(flatten(variables[ENVIRONMENT.alarmTopicArn]), name).toBe(`<${topic}>`);
      expect(variables[ENVIRONMENT.perJobMetrics], name).toBe("false");
    }
    expect(publishers).toHaveLength(3);
    for (const statement of publishers) expect(statement.resources).toEqual([`<${topic}>`]);
    const keyUsers = allowStatements(dev.template).filter((statement) =>
      statement.actions.includes("kms:GenerateDataKey"),
    );
    expect(keyUsers.map((statement) => statement.resources)).toEqual(
      Array.from({ length: 3 }, () => [expect.stringMatching(/^<AlarmTopicKey.*\.Arn>$/)]),
    );
  });

  it("publishes per-job metric series only when the stage asks", () => {
    const perJob = synthesise({ stage: "dev", perJobMetrics: true });
    const variables = Object.values(perJob.template.findResources("AWS::Lambda::Function"))
      .filter((fn) => /dispatch|turn|sweep$/.test(fn.Properties.FunctionName))
      .map((fn) => fn.Properties.Environment.Variables[ENVIRONMENT.perJobMetrics]);

    expect(variables).toEqual(["true", "true", "true"]);
  });
});

describe("the alarm topic", () => {
  it("is encrypted with a rotating key CloudWatch may use for this stage's alarms, and refuses non-TLS requests", () => {
    dev.template.hasResourceProperties("AWS::SNS::Topic", {
      TopicName: "agentcron-dev-alarms",
      KmsMasterKeyId: { "Fn::GetAtt": [Match.stringLikeRegexp("AlarmTopicKey"), "Arn"] },
    });
    dev.template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
    const [topicPolicy] = Object.values(dev.template.findResources("AWS::SNS::TopicPolicy"));
    const statements = topicPolicy?.Properties.PolicyDocument.Statement as Record<string, unknown>[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    const publish = statements.find((statement) => statement.Sid === "AllowCloudWatchAlarmsToPublish");
    expect(
      flatten(
        (publish?.Condition as Record<string, Record<string, unknown>> | undefined)?.ArnLike?.[
          "aws:SourceArn"
        ],
      ),
    ).toBe("arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:agentcron-dev-*");
  });
});

describe("the dashboard and outputs", () => {
  const bodyOf = (synthesised: SynthesisedStack) => {
    const [dashboard] = Object.values(synthesised.template.findResources("AWS::CloudWatch::Dashboard"));
    return { name: dashboard?.Properties.DashboardName, body: flatten(dashboard?.Properties.DashboardBody) };
  };

  it("shows job health, runs and fires by outcome, phase durations, latency, queues and Lambda errors, stage-wide", () => {
    const { name, body } = bodyOf(dev);

    expect(name).toBe("agentcron-dev-dashboard");
    for (const fragment of [
      "Unhealthy jobs",
      `"${METRICS.unhealthyJobs}"`,
      `"${METRICS.failedRunRatio}"`,
      "Runs by outcome",
      `"${METRICS.runsSucceeded}"`,
      `"${METRICS.runsNotStarted}"`,
      `"${METRICS.firesMissed}"`,
      `"${METRICS.phaseDuration}","phase","agent-turn"`,
      METRICS.dispatchLatency,
      "oldest turn",
      "fires DLQ",
      "turns DLQ",
      '"Errors"',
      '"Throttles"',
    ]) {
      expect(body).toContain(fragment);
    }
    // Per-job searches would graph nothing: the stage publishes no per-job series by default.
    expect(body).not.toContain("jobId");
  });

  it("adds the per-job graphs when the stage publishes per-job series", () => {
    const { body } = bodyOf(synthesise({ stage: "dev", perJobMetrics: true }));

    expect(body).toContain(`{agentcron,jobId,service} MetricName=\\"${METRICS.jobFailureRate}\\"`);
    expect(body).toContain(`{agentcron,jobId,phase,service} MetricName=\\"${METRICS.phaseDuration}\\"`);
  });

  it("shows every alarm in its alarm widget", () => {
    const body = JSON.parse(bodyOf(dev).body) as { widgets: { properties: { alarms?: string[] } }[] };

    const shown = body.widgets.find((widget) => widget.properties.alarms)?.properties.alarms ?? [];

    expect(shown).toHaveLength(STAGE_ALARMS.length);
  });

  it("exports the alarm topic and outputs what the CLI and operators need", () => {
    const outputs = dev.template.findOutputs("*");

    expect(Object.keys(outputs).sort()).toEqual(
      [
        "AlarmTopicArn",
        "DashboardName",
        "DashboardUrl",
        "EventBusName",
        "FiresDeadLetterQueueArn",
        "FiresDeadLetterQueueUrl",
        "FiresQueueArn",
        "FiresQueueUrl",
        "ScheduleBackend",
        "Stage",
        "TableName",
        "TurnFunctionTimeoutSeconds",
        "TurnLogGroupName",
        "TurnMaxConcurrency",
        "TurnsDeadLetterQueueUrl",
        "TurnsQueueUrl",
      ].sort(),
    );
    expect(outputs.AlarmTopicArn?.Export).toEqual({ Name: "agentcron-dev-alarm-topic-arn" });
    expect(outputs.Stage?.Value).toBe("dev");
    expect(outputs.TurnFunctionTimeoutSeconds?.Value).toBe(String(dev.stack.turnTimeoutSeconds));
  });
});
