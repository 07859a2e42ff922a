import {
  type AttributeValue,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { scheduledTimeKey } from "#core/jobs/next-fire.ts";
import type { FireWatch, FireWatchStore } from "#core/ports.ts";
import { attributeValues, toItem } from "./expressions.ts";
import { allWatchShards, FIRE_SK_PREFIX, keys, watchShardOf } from "./keys.ts";
import { batchGet, keyOf } from "./reads.ts";
import { plain } from "./records.ts";
import type { TableContext } from "./table-context.ts";
import { TABLE_SCHEMA } from "./table-definition.ts";

const INDEX = TABLE_SCHEMA.fireWatchIndex;

/**
 * The expected fires (core/schedules/fire-watch.ts) as one item per job, `JOB#<id>` / `FIRE-WATCH`
 * — beside the lease, never in it: the run engine's hottest item does not grow or contend with the
 * sweeper's checks. While a fire is expected the item carries the fire-watch index keys
 * (`watchShard`, `watchDueAt`); otherwise it is out of the index.
 */
export function createFireWatchStore(table: TableContext): FireWatchStore {
  const itemOf = (watch: FireWatch, dueAt: number | undefined) =>
    toItem({
      ...keys.fireWatch(watch.jobId),
      type: "fire-watch",
      ...watch,
      ...(dueAt === undefined
        ? {}
        : { [INDEX.partitionKey]: watchShardOf(watch.jobId), [INDEX.sortKey]: dueAt }),
    });

  return {
    async getWatches(jobIds) {
      const found = await batchGet(
        table,
        jobIds.map((jobId) => keys.fireWatch(jobId)),
      );
      const watches = new Map<string, FireWatch>();
      for (const jobId of jobIds) {
        const item = found.get(keyOf(keys.fireWatch(jobId)));
        if (item) watches.set(jobId, watchFromItem(item));
      }
      return watches;
    },

    async putWatch(watch, dueAt) {
      await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: itemOf(watch, dueAt) }));
    },

    async deleteWatch(jobId) {
      await table.client.send(
        new DeleteItemCommand({ TableName: table.tableName, Key: attributeValues(keys.fireWatch(jobId)) }),
      );
    },

    async findDueWatches(nowMs, limit) {
      const watches: FireWatch[] = [];
      for (const shard of allWatchShards()) {
        let exclusiveStartKey: Record<string, AttributeValue> | undefined;
        do {
          const result = await table.client.send(
            new QueryCommand({
              TableName: table.tableName,
              IndexName: INDEX.name,
              KeyConditionExpression: "#shard = :shard AND #dueAt <= :now",
              ExpressionAttributeNames: { "#shard": INDEX.partitionKey, "#dueAt": INDEX.sortKey },
              ExpressionAttributeValues: attributeValues({ ":shard": shard, ":now": nowMs }),
              Limit: Math.max(1, limit - watches.length),
              ExclusiveStartKey: exclusiveStartKey,
            }),
          );
          for (const item of result.Items ?? [])
            watches.push(watchFromItem(plain(item) as Record<string, unknown>));
          exclusiveStartKey = result.LastEvaluatedKey;
        } while (exclusiveStartKey && watches.length < limit);
        if (watches.length >= limit) break;
      }
      return watches;
    },

    async advanceWatch(previous, next, dueAt) {
      try {
        await table.client.send(
          new PutItemCommand({
            TableName: table.tableName,
            Item: itemOf(next, dueAt),
            // Only over the watch as it was read: a re-arm or another sweep that moved it wins.
            ConditionExpression:
              previous.expectedAt === undefined
                ? "#timingKey = :timingKey AND attribute_not_exists(#expectedAt)"
                : "#timingKey = :timingKey AND #expectedAt = :expectedAt",
            ExpressionAttributeNames: { "#timingKey": "timingKey", "#expectedAt": "expectedAt" },
            ExpressionAttributeValues: attributeValues({
              ":timingKey": previous.timingKey,
              ":expectedAt": previous.expectedAt,
            }),
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === "ConditionalCheckFailedException") return false;
        throw error;
      }
    },

    async scheduledFiresBetween(jobId, fromMs, toMs) {
      // Scheduled fires' keys are `<jobId>#<ISO minute>Z`: a key range is a time range.
      const prefix = `${FIRE_SK_PREFIX}${jobId}#`;
      const result = await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
          ExpressionAttributeNames: {
            "#pk": "pk",
            "#sk": "sk",
            "#scheduledAt": "scheduledAt",
            "#source": "source",
          },
          ExpressionAttributeValues: attributeValues({
            ":pk": keys.fireWatch(jobId).pk,
            ":from": `${prefix}${scheduledTimeKey(fromMs)}`,
            ":to": `${prefix}${scheduledTimeKey(toMs)}`,
          }),
          ProjectionExpression: "#scheduledAt, #source",
          ConsistentRead: true,
        }),
      );
      return (result.Items ?? [])
        .map((item) => plain(item) as { scheduledAt?: number; source?: string })
        .filter((fire) => fire.source === "schedule" && typeof fire.scheduledAt === "number")
        .map((fire) => fire.scheduledAt as number);
    },
  };
}

function watchFromItem(item: Record<string, unknown>): FireWatch {
  const { pk: _pk, sk: _sk, type: _type, watchShard: _shard, watchDueAt: _dueAt, ...watch } = item;
  return watch as unknown as FireWatch;
}
