import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { ENVIRONMENT, type EnvironmentKey } from "#functions/commons/environment.ts";

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
  jobAdmin: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
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

export type QueueAccess =
  /** The function sends messages to the queue. */
  | "send"
  /** The function sends messages to the queue and reads its depth (GetQueueAttributes). */
  | "send-and-read-depth"
  /**
   * The function only needs the URL: dependenciesFromEnvironment() requires every queue URL, but
   * the function never sends there, so it gets no permission on it.
   */
  | "url-only";

/**
 * Sets the queue-URL variable `key` and, for "send", grants sqs:SendMessage on that queue (and,
 * for "send-and-read-depth", sqs:GetQueueAttributes too).
 */
export function bindQueue(
  fn: lambda.Function,
  key: EnvironmentKey,
  queue: sqs.IQueue,
  access: QueueAccess,
): void {
  fn.addEnvironment(ENVIRONMENT[key], queue.queueUrl);
  if (access === "send-and-read-depth") {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["sqs:GetQueueAttributes"], resources: [queue.queueArn] }),
    );
  }
  if (access === "send" || access === "send-and-read-depth") {
    // SSE-SQS needs no KMS permission (a customer-managed key would: queue.grantSendMessages adds it).
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [queue.queueArn] }),
    );
  }
}

/** Sets AGENTCRON_EVENT_BUS_NAME and grants events:PutEvents on that bus only. */
export function bindEventBus(fn: lambda.Function, bus: events.IEventBus): void {
  fn.addEnvironment(ENVIRONMENT.eventBusName, bus.eventBusName);
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ["events:PutEvents"], resources: [bus.eventBusArn] }),
  );
}
