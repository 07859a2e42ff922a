import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { METRICS } from "#core/metric-names.ts";
import { demoJobSpec, flatten, type SynthesisedStack, synthesise } from "./support/stack.ts";

interface AlarmView {
  readonly AlarmName: string;
  readonly AlarmDescription: string;
  readonly AlarmActions: unknown[];
  readonly OKActions: unknown[];
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
  readonly Metrics?: { Expression?: string }[];
  readonly Statistic?: string;
  readonly Period?: number;
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly EvaluationPeriods: number;
  readonly TreatMissingData: string;
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
        alarms: {
          failureRateThreshold: 0.2,
          failureRateWindow: 20,
          consecutiveFailures: 4,
          consecutiveSkips: 2,
        },
      }),
    ],
  });
  alarms = new Map(
    Object.values(dev.template.findResources("AWS::CloudWatch::Alarm")).map((alarm) => [
      alarm.Properties.AlarmName as string,
      alarm.Properties as AlarmView,
    ]),
  );
});

function alarm(name: string): AlarmView {
  const found = alarms.get(name);
  if (!found) throw new Error(`no alarm named ${name}; alarms: ${[...alarms.keys()].join(", ")}`);
  return found;
}

function dimensionsOf(view: AlarmView): Record<string, string> {
  return Object.fromEntries(
    (view.Dimensions ?? []).map((dimension) => [dimension.Name, flatten(dimension.Value)]),
  );
}

describe("the alarms", () => {
  it("all publish ALARM and OK notifications to the alarm topic", () => {
    const topic = Object.keys(dev.template.findResources("AWS::SNS::Topic"))[0];

    expect(alarms.size).toBeGreaterThan(0);
    for (const [name, view] of alarms) {
      expect(view.AlarmActions.map(flatten), name).toEqual([`<${topic}>`]);
      expect(view.OKActions.map(flatten), name).toEqual([`<${topic}>`]);
    }
  });

  it("have the documented stable names, and a description that names the first command to run", () => {
    const perJob = [
      "job-failure-rate",
      "job-consecutive-failures",
      "job-stalled",
      "job-abandoned",
      "job-skipped-fires",
      "job-harness-missing",
    ];
    const expected = [
      ...["inbox-triage", "nightly-report"].flatMap((jobId) =>
        perJob.map((what) => `agentcron-dev-${what}-${jobId}`),
      ),
      "agentcron-dev-fires-dlq-not-empty",
      "agentcron-dev-turns-dlq-not-empty",
      "agentcron-dev-fires-delayed",
      "agentcron-dev-fires-rejected",
      "agentcron-dev-poison-messages",
      "agentcron-dev-sweeper-not-running",
      ...["dispatch", "turn", "sweep"].flatMap((fn) => [
        `agentcron-dev-${fn}-errors`,
        `agentcron-dev-${fn}-throttles`,
      ]),
    ];

    expect([...alarms.keys()].sort()).toEqual(expected.sort());
    for (const [name, view] of alarms) {
      expect(view.AlarmDescription, name).toMatch(new RegExp(`^\\[${name}\\] `));
      expect(view.AlarmDescription, name).toMatch(
        /First: npx agentcron (runs|jobs show|inspect|dlq list|doctor)/,
      );
    }
  });

  it("name the job they are about in their name, description and jobId dimension", () => {
    for (const [name, view] of alarms) {
      const jobId = ["inbox-triage", "nightly-report"].find((id) => name.endsWith(`-${id}`));
      if (!jobId) continue;
      expect(view.AlarmDescription, name).toContain(`Job ${jobId}:`);
      expect(dimensionsOf(view), name).toEqual({ service: "agentcron-dev", jobId });
      expect(view.Namespace, name).toBe("agentcron");
    }
  });

  it("take each job's thresholds from its alarms block", () => {
    // Defaults: 50 % failure rate, 3 failures in a row, 3 skips.
    expect(alarm("agentcron-dev-job-failure-rate-inbox-triage")).toMatchObject({
      MetricName: METRICS.jobFailureRate,
      Statistic: "Maximum",
      Threshold: 50,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      // A gauge emitted when a run ends keeps its state between runs.
      TreatMissingData: "ignore",
    });
    expect(alarm("agentcron-dev-job-failure-rate-nightly-report")).toMatchObject({ Threshold: 20 });
    expect(alarm("agentcron-dev-job-failure-rate-nightly-report").AlarmDescription).toContain("last 20 runs");
    expect(alarm("agentcron-dev-job-consecutive-failures-inbox-triage")).toMatchObject({
      MetricName: METRICS.consecutiveFailures,
      Threshold: 3,
    });
    expect(alarm("agentcron-dev-job-consecutive-failures-nightly-report")).toMatchObject({ Threshold: 4 });
    expect(alarm("agentcron-dev-job-skipped-fires-inbox-triage")).toMatchObject({
      MetricName: METRICS.consecutiveSkips,
      Statistic: "Maximum",
      Threshold: 3,
    });
    expect(alarm("agentcron-dev-job-skipped-fires-nightly-report")).toMatchObject({ Threshold: 2 });
  });

  it("alarm on the first stalled or abandoned run and on a missing harness", () => {
    for (const [what, metric] of [
      ["job-stalled", METRICS.runsStalled],
      ["job-abandoned", METRICS.runsAbandoned],
      ["job-harness-missing", METRICS.harnessNotRegistered],
    ] as const) {
      expect(alarm(`agentcron-dev-${what}-inbox-triage`)).toMatchObject({
        MetricName: metric,
        Statistic: "Sum",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        TreatMissingData: "notBreaching",
      });
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
    expect(dimensionsOf(alarm("agentcron-dev-sweeper-not-running"))).toEqual({ service: "agentcron-dev" });
  });

  it("watch both dead-letter queues for a single message", () => {
    for (const role of ["fires", "turns"]) {
      const view = alarm(`agentcron-dev-${role}-dlq-not-empty`);
      expect(view).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      });
      expect(dimensionsOf(view).QueueName).toMatch(
        new RegExp(`^<${role[0]?.toUpperCase()}${role.slice(1)}DeadLetterQueue.*\\.QueueName>$`),
      );
      expect(view.AlarmDescription).toContain(`npx agentcron dlq list ${role}`);
    }
  });

  it("count rejected fires and poison messages over every job and consumer of the stage", () => {
    expect(alarm("agentcron-dev-fires-rejected").Metrics?.[0]?.Expression).toBe(
      `SELECT SUM(FiresRejected) FROM SCHEMA("agentcron", jobId, service) WHERE service = 'agentcron-dev'`,
    );
    expect(alarm("agentcron-dev-poison-messages").Metrics?.[0]?.Expression).toBe(
      `SELECT SUM(PoisonMessages) FROM SCHEMA("agentcron", consumer, service) WHERE service = 'agentcron-dev'`,
    );
  });

  it("watch every run-engine function for errors and throttles", () => {
    for (const fn of ["dispatch", "turn", "sweep"]) {
      for (const [what, metric] of [
        ["errors", "Errors"],
        ["throttles", "Throttles"],
      ]) {
        const view = alarm(`agentcron-dev-${fn}-${what}`);
        expect(view).toMatchObject({ Namespace: "AWS/Lambda", MetricName: metric, Threshold: 1 });
        expect(dimensionsOf(view).FunctionName).toMatch(
          new RegExp(`${fn[0]?.toUpperCase()}${fn.slice(1)}Function`, "i"),
        );
      }
    }
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
  it("shows runs by outcome, failure rates, phase durations, dispatch latency, queue depths and Lambda errors", () => {
    const [dashboard] = Object.values(dev.template.findResources("AWS::CloudWatch::Dashboard"));
    const body = flatten(dashboard?.Properties.DashboardBody);

    expect(dashboard?.Properties.DashboardName).toBe("agentcron-dev-dashboard");
    for (const fragment of [
      "Runs by outcome",
      `MetricName=\\"${METRICS.runsSucceeded}\\"`,
      `MetricName=\\"${METRICS.runsStalled}\\"`,
      `MetricName=\\"${METRICS.jobFailureRate}\\"`,
      `{agentcron,jobId,phase,service} MetricName=\\"${METRICS.phaseDuration}\\"`,
      METRICS.dispatchLatency,
      "ApproximateNumberOfMessagesVisible",
      "fires DLQ",
      "turns DLQ",
      '"Errors"',
      '"Throttles"',
    ]) {
      expect(body).toContain(fragment);
    }
  });

  it("lists the stage-wide alarms first in its alarm widget, and at most 100", () => {
    const manyJobs = synthesise({
      jobs: Array.from({ length: 20 }, (_, index) => demoJobSpec({ id: `job-${index}` })),
    });
    const [dashboard] = Object.values(manyJobs.template.findResources("AWS::CloudWatch::Dashboard"));
    const body = JSON.parse(flatten(dashboard?.Properties.DashboardBody)) as {
      widgets: { properties: { alarms?: string[] } }[];
    };

    const shown = body.widgets.find((widget) => widget.properties.alarms)?.properties.alarms ?? [];

    expect(shown).toHaveLength(100);
    expect(shown.slice(0, 12).every((alarm) => !alarm.includes("job"))).toBe(true);
    expect(shown.some((alarm) => alarm.includes("sweepernotrunning"))).toBe(true);
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
        "Stage",
        "TableName",
        "TurnFunctionTimeoutSeconds",
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
