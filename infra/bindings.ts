import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import {
  ENVIRONMENT,
  type EnvironmentKey,
  FUNCTION_ENVIRONMENT,
  type FunctionName,
} from "#functions/commons/environment.ts";

/**
 * Powertools-style bindings: each call gives a function one resource — it sets the environment
 * variable the function reads (functions/commons/environment.ts) *and* grants exactly the access it
 * needs, so configuration and permission can never drift apart.
 */

/**
 * DynamoDB actions per kind of work. TransactWriteItems has no IAM action of its own: IAM checks
 * each of its parts as PutItem / UpdateItem / DeleteItem / ConditionCheckItem.
 */
export const TABLE_ACCESS = {
  /** dispatch, turn and sweep: consistent reads, conditional writes and transactions. Never DeleteItem or Scan. */
  runEngine: [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
  ],
  /** Applying a job set: list the jobs, create or replace them (conditionally), delete pruned ones. */
  jobAdmin: [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    // A job's owner recorded without a new version; nothing else is updated in place.
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
  ],
} as const satisfies Record<string, readonly string[]>;

export interface TableBinding {
  readonly actions: readonly string[];
  /** Indexes the function queries (`Query` on `<table>/index/<name>`). @default none */
  readonly indexes?: readonly string[];
}

/** Sets AGENTCRON_TABLE_NAME and grants `actions` on the table (and the named indexes only). */
export function bindTable(fn: lambda.Function, table: dynamodb.ITable, binding: TableBinding): void {
  fn.addEnvironment(ENVIRONMENT.tableName, table.tableName);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [...binding.actions],
      resources: [table.tableArn],
    }),
  );
  const indexes = binding.indexes ?? [];
  if (indexes.length > 0) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:Query"],
        resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
      }),
    );
  }
}

/** The variables that hold a queue URL. */
export type QueueKey = Extract<EnvironmentKey, `${string}QueueUrl` | `${string}DlqUrl`>;

/** What a function reads a queue's URL for, as SQS actions. */
export const QUEUE_ACCESS = {
  /** Sends messages to it (hand-offs, drains, retries, poison into a DLQ). */
  send: ["sqs:SendMessage"],
  /** Makes a message it received come back sooner (ChangeMessageVisibility on its own queue). */
  redeliver: ["sqs:ChangeMessageVisibility"],
  /** Reads how many messages wait (the sweeper's view of the turns backlog). */
  backlog: ["sqs:GetQueueAttributes"],
} as const satisfies Record<string, readonly string[]>;

export type QueueAccess = keyof typeof QUEUE_ACCESS;

/**
 * Sets the queue-URL variable `key` and grants the SQS actions of each `access` on that queue —
 * what the function reads that URL for (functions/commons/environment.ts FUNCTION_ENVIRONMENT).
 */
export function bindQueue(
  fn: lambda.Function,
  key: QueueKey,
  queue: sqs.IQueue,
  access: readonly QueueAccess[],
): void {
  fn.addEnvironment(ENVIRONMENT[key], queue.queueUrl);
  // SSE-SQS needs no KMS permission (a customer-managed key would: queue.grantSendMessages adds it).
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: access.flatMap((kind) => QUEUE_ACCESS[kind]),
      resources: [queue.queueArn],
    }),
  );
}

/** Sets AGENTCRON_EVENT_BUS_NAME and grants events:PutEvents on that bus only. */
export function bindEventBus(fn: lambda.Function, bus: events.IEventBus): void {
  fn.addEnvironment(ENVIRONMENT.eventBusName, bus.eventBusName);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ["events:PutEvents"], resources: [bus.eventBusArn] }),
  );
}

/**
 * Sets AGENTCRON_ALARM_TOPIC_ARN and grants sns:Publish on that topic, and what publishing to a
 * topic encrypted with `key` needs of the key (SNS generates a data key with it and decrypts it):
 * job-health changes go to the topic the alarms publish to. Written out rather than
 * `topic.grantPublish`, which grants `kms:GenerateDataKey*` — more actions than SNS uses.
 */
export function bindAlarmTopic(fn: lambda.Function, alarmTopic: { topic: sns.ITopic; key: kms.IKey }): void {
  fn.addEnvironment(ENVIRONMENT.alarmTopicArn, alarmTopic.topic.topicArn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ["sns:Publish"], resources: [alarmTopic.topic.topicArn] }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      resources: [alarmTopic.key.keyArn],
    }),
  );
}

/** How the stack binds each variable a function may read: the resource behind it, and its access. */
export type EnvironmentBinders = Partial<Record<EnvironmentKey, (fn: lambda.Function) => void>>;

/** Raised at synth when a function declares a variable the stack has nothing to bind to. */
export class UnboundVariableError extends Error {
  override name = "UnboundVariableError";
}

/**
 * Binds exactly the variables function `name` declares (FUNCTION_ENVIRONMENT), each with its binder:
 * the function gets those variables and the access they name, and nothing else — no URL it never
 * reads, no permission it never uses.
 *
 * @throws UnboundVariableError when the function declares a variable `binders` does not cover.
 */
export function bindFunctionEnvironment(
  fn: lambda.Function,
  name: FunctionName,
  binders: EnvironmentBinders,
): void {
  const declared: readonly EnvironmentKey[] = FUNCTION_ENVIRONMENT[name];
  for (const key of declared) {
    const bind = binders[key];
    if (!bind) {
      throw new UnboundVariableError(
        `the ${name} function reads ${ENVIRONMENT[key]}, but the stack binds no resource to it; ` +
          "add a binder for it in infra/ or remove it from FUNCTION_ENVIRONMENT",
      );
    }
    bind(fn);
  }
}
