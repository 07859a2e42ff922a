import { describe, expect, it } from "vitest";
import { ConfigurationError, readFunctionEnvironment } from "#functions/commons/environment.ts";
import {
  applyJobsDependenciesFromEnvironment,
  dispatchDependenciesFromEnvironment,
} from "#functions/commons/lambda-dependencies.ts";

/** What the stack sets on the dispatch function. */
const DISPATCH_ENVIRONMENT = {
  AGENTCRON_TABLE_NAME: "agentcron-dev",
  AGENTCRON_TURNS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/agentcron-dev-turns",
  AGENTCRON_FIRES_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/agentcron-dev-fires",
  AGENTCRON_FIRES_DLQ_URL: "https://sqs.us-east-1.amazonaws.com/1/agentcron-dev-fires-dlq",
  AGENTCRON_EVENT_BUS_NAME: "agentcron-dev-lifecycle",
  AGENTCRON_TURN_FUNCTION_TIMEOUT_SECONDS: "660",
  AGENTCRON_ALARM_TOPIC_ARN: "arn:aws:sns:us-east-1:1:agentcron-dev-alarms",
  AGENTCRON_PER_JOB_METRICS: "false",
  AGENTCRON_SCHEDULES: "scheduler",
  POWERTOOLS_SERVICE_NAME: "agentcron-dev",
};

function without(env: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

describe("a function's configuration, read at cold start", () => {
  it("is the variables the function declares, parsed", () => {
    expect(readFunctionEnvironment("dispatch", DISPATCH_ENVIRONMENT)).toEqual({
      serviceName: "agentcron-dev",
      tableName: "agentcron-dev",
      turnsQueueUrl: DISPATCH_ENVIRONMENT.AGENTCRON_TURNS_QUEUE_URL,
      firesQueueUrl: DISPATCH_ENVIRONMENT.AGENTCRON_FIRES_QUEUE_URL,
      firesDlqUrl: DISPATCH_ENVIRONMENT.AGENTCRON_FIRES_DLQ_URL,
      lifecycleEvents: { bus: "agentcron-dev-lifecycle" },
      turnFunctionTimeoutSeconds: 660,
      healthNotifications: { topicArn: DISPATCH_ENVIRONMENT.AGENTCRON_ALARM_TOPIC_ARN },
      perJobMetrics: false,
      schedules: "scheduler",
    });
  });

  it("fails at start, naming the event bus variable, when the bus is missing — no silent in-memory events", () => {
    const start = () =>
      dispatchDependenciesFromEnvironment(without(DISPATCH_ENVIRONMENT, "AGENTCRON_EVENT_BUS_NAME"));

    expect(start).toThrow(ConfigurationError);
    expect(start).toThrow(
      "AGENTCRON_EVENT_BUS_NAME (the EventBridge bus for run lifecycle events) is not set (where there is no EventBridge, set AGENTCRON_LIFECYCLE_EVENTS=log instead)",
    );
  });

  it("names every missing or invalid variable in one error", () => {
    const env = {
      ...without(DISPATCH_ENVIRONMENT, "AGENTCRON_TABLE_NAME", "AGENTCRON_FIRES_DLQ_URL"),
      AGENTCRON_TURN_FUNCTION_TIMEOUT_SECONDS: "15 minutes",
    };

    expect(() => readFunctionEnvironment("dispatch", env)).toThrow(
      "the dispatch function's configuration is incomplete: " +
        "AGENTCRON_TABLE_NAME (the DynamoDB table's name) is not set; " +
        "AGENTCRON_FIRES_DLQ_URL (the fires dead-letter queue's URL) is not set; " +
        'AGENTCRON_TURN_FUNCTION_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 900, got "15 minutes". ' +
        "The CDK stack sets these; when running by hand, set them or use `npm start`.",
    );
  });

  it("writes lifecycle events to the log only when told so explicitly, and refuses any other value", () => {
    const withoutBus = without(DISPATCH_ENVIRONMENT, "AGENTCRON_EVENT_BUS_NAME");

    expect(
      readFunctionEnvironment("dispatch", { ...withoutBus, AGENTCRON_LIFECYCLE_EVENTS: "log" })
        .lifecycleEvents,
    ).toEqual({ log: true });
    expect(() =>
      readFunctionEnvironment("dispatch", { ...withoutBus, AGENTCRON_LIFECYCLE_EVENTS: "memory" }),
    ).toThrow('AGENTCRON_LIFECYCLE_EVENTS must be "log" or unset, got "memory"');
  });

  it("sends job-health changes to the log only when told so, and names the alarm topic variable when it is missing", () => {
    const withoutTopic = without(DISPATCH_ENVIRONMENT, "AGENTCRON_ALARM_TOPIC_ARN");

    expect(
      readFunctionEnvironment("dispatch", { ...withoutTopic, AGENTCRON_HEALTH_NOTIFICATIONS: "log" })
        .healthNotifications,
    ).toEqual({ log: true });
    expect(() => readFunctionEnvironment("dispatch", withoutTopic)).toThrow(
      "AGENTCRON_ALARM_TOPIC_ARN (the SNS topic job-health changes are published to (the alarm topic)) is not set (where there is no alarm topic, set AGENTCRON_HEALTH_NOTIFICATIONS=log instead)",
    );
  });

  it("publishes per-job metric series only when AGENTCRON_PER_JOB_METRICS is true, and refuses other values", () => {
    const unset = without(DISPATCH_ENVIRONMENT, "AGENTCRON_PER_JOB_METRICS");

    expect(readFunctionEnvironment("dispatch", unset).perJobMetrics).toBe(false);
    expect(
      readFunctionEnvironment("dispatch", { ...unset, AGENTCRON_PER_JOB_METRICS: "true" }).perJobMetrics,
    ).toBe(true);
    expect(() => readFunctionEnvironment("dispatch", { ...unset, AGENTCRON_PER_JOB_METRICS: "yes" })).toThrow(
      'AGENTCRON_PER_JOB_METRICS must be "true" or "false", got "yes"',
    );
  });

  it("asks the job-apply function for the table and the turn timeout only — no queue URL, no bus", () => {
    const deps = applyJobsDependenciesFromEnvironment({
      AGENTCRON_TABLE_NAME: "agentcron-dev",
      AGENTCRON_TURN_FUNCTION_TIMEOUT_SECONDS: "660",
    });

    expect(deps.validation.functionTimeoutSeconds).toBe(660);
    expect([...deps.validation.catalog.harnesses.keys()]).toContain("demo");
  });
});
