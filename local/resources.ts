import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
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
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    await addMissingIndexes(
      client,
      tableName,
      new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName)),
    );
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

/**
 * A table kept in `.agentcron/data` from an older version lacks the indexes added since (the
 * fire-watch index): add each, one at a time as DynamoDB requires, and wait for it.
 */
async function addMissingIndexes(
  client: DynamoDBClient,
  tableName: string,
  present: Set<string | undefined>,
) {
  const definition = createTableInput(tableName);
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    const attributes = new Set((index.KeySchema ?? []).map((key) => key.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: (definition.AttributeDefinitions ?? []).filter((attribute) =>
          attributes.has(attribute.AttributeName),
        ),
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
    for (let attempt = 0; attempt < 100; attempt++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const status = Table?.GlobalSecondaryIndexes?.find(
        (found) => found.IndexName === index.IndexName,
      )?.IndexStatus;
      if (status === "ACTIVE") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
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
