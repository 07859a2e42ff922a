import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createTableInput, enableTtlInput } from "#adapters/dynamodb/table-definition.ts";
import { createQueues, type QueueUrls } from "#adapters/sqs/create-queues.ts";
import { visibilityTimeoutFor } from "#adapters/sqs/queue-definitions.ts";

/** Creates the table (from the same definition the CDK stack uses) unless it exists already. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<"created" | "existing"> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return "existing";
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === "ACTIVE") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await client.send(new UpdateTimeToLiveCommand(enableTtlInput(tableName)));
  return "created";
}

/** Creates the fires and turns queues with their DLQs; visibility per AWS's 6× guidance. */
export function ensureQueues(
  client: SQSClient,
  prefix: string,
  functionTimeouts: { dispatchSeconds: number; turnSeconds: number },
): Promise<QueueUrls> {
  return createQueues(client, prefix, {
    fires: visibilityTimeoutFor(functionTimeouts.dispatchSeconds),
    turns: visibilityTimeoutFor(functionTimeouts.turnSeconds),
  });
}
