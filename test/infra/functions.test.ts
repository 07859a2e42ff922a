import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { turnTimeoutFor, validateDeployedJobSet } from "#adapters/job-set-file.ts";
import { visibilityTimeoutFor } from "#adapters/sqs/queue-definitions.ts";
import { JobValidationError } from "#core/errors.ts";
import { CEILING_MARGIN_SECONDS } from "#core/jobs/time-budget.ts";
import { ENVIRONMENT, type EnvironmentKey, FUNCTION_ENVIRONMENT } from "#functions/commons/environment.ts";
import { demoJobSpec, flatten, type SynthesisedStack, synthesise } from "./support/stack.ts";

let dev: SynthesisedStack;
beforeAll(() => {
  dev = synthesise({ stage: "dev" });
});

function functionNamed(synthesised: SynthesisedStack, name: string) {
  const found = Object.values(
    synthesised.template.findResources("AWS::Lambda::Function", { Properties: { FunctionName: name } }),
  );
  expect(found).toHaveLength(1);
  return found[0] as { Properties: { Timeout: number; Environment: { Variables: Record<string, unknown> } } };
}

describe("the functions", () => {
  it("run on nodejs24.x and ARM64, with source maps applied to stack traces", () => {
    const functions = Object.values(dev.template.findResources("AWS::Lambda::Function"));

    expect(functions.map((fn) => fn.Properties.FunctionName).sort()).toEqual([
      "agentcron-dev-apply-jobs",
      "agentcron-dev-dispatch",
      "agentcron-dev-sweep",
      "agentcron-dev-turn",
    ]);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe("--enable-source-maps");
      expect(fn.Properties.Environment.Variables[ENVIRONMENT.serviceName]).toBe("agentcron-dev");
    }
  });

  it("write to their own log group, with a retention, and have roles without managed policies", () => {
    const logGroups = Object.values(dev.template.findResources("AWS::Logs::LogGroup"));

    expect(logGroups.map((group) => group.Properties.LogGroupName).sort()).toEqual([
      "/aws/lambda/agentcron-dev-apply-jobs",
      "/aws/lambda/agentcron-dev-dispatch",
      "/aws/lambda/agentcron-dev-sweep",
      "/aws/lambda/agentcron-dev-turn",
    ]);
    for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(30);
    for (const role of Object.values(dev.template.findResources("AWS::IAM::Role"))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it("keep prod's log groups when the stack is deleted, under generated names, so the stack can be created again", () => {
    const prod = synthesise({ stage: "prod" });

    const logGroups = Object.values(prod.template.findResources("AWS::Logs::LogGroup"));

    expect(logGroups).toHaveLength(4);
    for (const group of logGroups) {
      expect(group.DeletionPolicy).toBe("Retain");
      expect(group.Properties.LogGroupName).toBeUndefined();
    }
    for (const fn of Object.values(prod.template.findResources("AWS::Lambda::Function"))) {
      expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/Logs/) });
    }
    expect(prod.template.toJSON().Outputs.TurnLogGroupName.Value).toEqual({
      Ref: expect.stringMatching(/TurnLogs/),
    });
  });

  it("are fed by event source mappings with partial batch responses and a maximum concurrency each", () => {
    dev.template.resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
    dev.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: Match.stringLikeRegexp("Dispatch") },
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^FiresQueue"), "Arn"] },
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    dev.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: Match.stringLikeRegexp("Turn") },
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^TurnsQueue"), "Arn"] },
      // One turn per invocation: a stalled turn cannot hold up another (DESIGN invariant 5).
      BatchSize: 1,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it("take their maximum concurrency and reserved concurrency from the stack's props", () => {
    const tuned = synthesise({
      turnMaxConcurrency: 50,
      dispatchMaxConcurrency: 3,
      dispatchReservedConcurrency: 4,
    });

    tuned.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    tuned.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    tuned.template.hasResourceProperties("AWS::Lambda::Function", {
      FunctionName: "agentcron-dev-dispatch",
      ReservedConcurrentExecutions: 4,
    });
    dev.template.hasResourceProperties("AWS::Lambda::Function", {
      FunctionName: "agentcron-dev-dispatch",
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it("get exactly the variables they declare, pointing at this stack's resources — no URL they never read", () => {
    // Prepare: what each variable must point at in this stack.
    const pointsAt: Record<EnvironmentKey, string> = {
      tableName: "<Table710B521B>",
      firesQueueUrl: "<FiresQueueBB25881B>",
      firesDlqUrl: "<FiresDeadLetterQueueA51C4D94>",
      turnsQueueUrl: "<TurnsQueue246E58B7>",
      turnsDlqUrl: "<TurnsDeadLetterQueue18BCD5E5>",
      eventBusName: "<LifecycleBus909AF943>",
      lifecycleEvents: "(never set by the stack)",
      turnFunctionTimeoutSeconds: String(dev.stack.turnTimeoutSeconds),
      serviceName: "agentcron-dev",
      alarmTopicArn: "<AlarmTopicC2164170>",
      healthNotifications: "(never set by the stack)",
      perJobMetrics: "false",
      schedules: "rules",
      stage: "dev",
    };
    const functions = {
      dispatch: "dispatch",
      turn: "turn",
      sweep: "sweep",
      "apply-jobs": "applyJobs",
    } as const;
    for (const [name, declaredBy] of Object.entries(functions)) {
      // Act
      const variables = functionNamed(dev, `agentcron-dev-${name}`).Properties.Environment.Variables;
      const flattened = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [key, flatten(value)]),
      );
      // Assess
      const declared: readonly EnvironmentKey[] = FUNCTION_ENVIRONMENT[declaredBy];
      expect(flattened, name).toEqual({
        NODE_OPTIONS: "--enable-source-maps",
        [ENVIRONMENT.serviceName]: "agentcron-dev",
        ...Object.fromEntries(declared.map((key) => [ENVIRONMENT[key], pointsAt[key]])),
      });
    }
    // The declarations: no function reads a queue it does nothing with.
    expect(FUNCTION_ENVIRONMENT.turn).not.toContain("firesQueueUrl");
    expect(FUNCTION_ENVIRONMENT.dispatch).not.toContain("turnsDlqUrl");
    expect(FUNCTION_ENVIRONMENT.sweep).not.toContain("firesDlqUrl");
    expect(FUNCTION_ENVIRONMENT.applyJobs).toEqual(["tableName", "turnFunctionTimeoutSeconds", "schedules"]);
  });

  it("time out after 30 s (dispatch), 60 s (sweep) and 15 minutes (job apply: 10,000 schedules)", () => {
    expect(functionNamed(dev, "agentcron-dev-dispatch").Properties.Timeout).toBe(30);
    expect(functionNamed(dev, "agentcron-dev-sweep").Properties.Timeout).toBe(60);
    expect(functionNamed(dev, "agentcron-dev-apply-jobs").Properties.Timeout).toBe(900);
  });

  it("run the sweeper every minute, without retrying a failed sweep", () => {
    dev.template.hasResourceProperties("AWS::Events::Rule", {
      Name: "agentcron-dev-sweep",
      ScheduleExpression: "rate(1 minute)",
      State: "ENABLED",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [Match.stringLikeRegexp("Sweep"), "Arn"] } })],
    });
    dev.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: Match.stringLikeRegexp("Sweep") },
      MaximumRetryAttempts: 0,
    });
  });
});

describe("the turn function's timeout", () => {
  it("is the longest maxRunSeconds of the job set plus the ceiling margin, and sets the turns queue's visibility", () => {
    // Prepare: one job's budget grows from 86 s to 400 s of maxRunSeconds.
    const short = [demoJobSpec({ id: "short", timeouts: { agentTurnSeconds: 60 } })];
    const long = [
      ...short,
      demoJobSpec({ id: "long", maxRunSeconds: 400, timeouts: { agentTurnSeconds: 300 } }),
    ];

    // Act
    const before = synthesise({ jobs: short });
    const after = synthesise({ jobs: long });

    // Assess
    expect(before.stack.turnTimeoutSeconds).toBe(10 + 1 + 60 + 15 + CEILING_MARGIN_SECONDS);
    expect(after.stack.turnTimeoutSeconds).toBe(400 + CEILING_MARGIN_SECONDS);
    for (const { stack, template } of [before, after]) {
      template.hasResourceProperties("AWS::Lambda::Function", {
        FunctionName: "agentcron-dev-turn",
        Timeout: stack.turnTimeoutSeconds,
        Environment: {
          Variables: Match.objectLike({
            [ENVIRONMENT.turnFunctionTimeoutSeconds]: String(stack.turnTimeoutSeconds),
          }),
        },
      });
      template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: "agentcron-dev-turns",
        VisibilityTimeout: visibilityTimeoutFor(stack.turnTimeoutSeconds),
      });
    }
  });

  it("is capped at Lambda's 900 s, fits a default job when the set is empty, and can be overridden", () => {
    const longest = validateDeployedJobSet({
      jobs: [demoJobSpec({ id: "edge", maxRunSeconds: 870, timeouts: { agentTurnSeconds: 800 } })],
    });

    expect(turnTimeoutFor(longest.jobs)).toBe(900);
    expect(turnTimeoutFor([])).toBe(10 + 1 + 600 + 15 + CEILING_MARGIN_SECONDS);
    expect(synthesise({ turnTimeoutSeconds: 900 }).stack.turnTimeoutSeconds).toBe(900);
    expect(() => synthesise({ turnTimeoutSeconds: 901 })).toThrow(/from 1 to 900/);
  });

  it("cannot be derived from an invalid job set: synth fails with every problem and its path", () => {
    // Prepare
    const document = {
      jobs: [
        demoJobSpec({ id: "ok" }),
        demoJobSpec({ id: "bad-schedule", schedule: "cron(0 12 * * *)" }),
        demoJobSpec({ id: "too-long", maxRunSeconds: 880 }),
      ],
    };

    // Act
    const act = () => validateDeployedJobSet(document, "jobs.json");

    // Assess
    expect(act).toThrow(JobValidationError);
    expect(act).toThrow(/jobs\[1\]\.schedule: .*6 fields/);
    expect(act).toThrow(/jobs\[2\]\.maxRunSeconds: .*at most 870s/);
  });
});
