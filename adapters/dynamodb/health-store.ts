import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
} from "@aws-sdk/client-dynamodb";
import type { HealthBasis, JobHealthStore, UnhealthyJobRecord } from "#core/ports.ts";
import { conditionalUpdate, updateSpec } from "./conditional-update.ts";
import { attributeNames, attributeValues, toItem } from "./expressions.ts";
import { keys, UNHEALTHY_JOBS_PARTITION } from "./keys.ts";
import { collectItems, partitionItems } from "./partition-items.ts";
import { getItem } from "./reads.ts";
import { plain } from "./records.ts";
import type { TableContext } from "./table-context.ts";

/**
 * A stored verdict is newer than `:runsEnded`/`:firesSkipped` unless both counters are at most
 * those (the stats only grow): a verdict made from older stats must not undo a newer one.
 */
const NOT_NEWER_THAN_BASIS =
  "(#runsEnded < :runsEnded OR (#runsEnded = :runsEnded AND #firesSkipped <= :firesSkipped))";

/**
 * Job health in the table: one item per unhealthy job in the `UNHEALTHY-JOBS` partition, removed
 * when it recovers — the partition *is* the list of unhealthy jobs, so the sweeper counts them and
 * the CLI lists them in O(unhealthy jobs). Transitions write only when they hold.
 */
export function createHealthStore(table: TableContext): JobHealthStore {
  return {
    async getUnhealthyJob(jobId) {
      const item = await getItem(table, keys.unhealthyJob(jobId));
      return item ? unhealthyJobFromItem(item) : undefined;
    },

    async markUnhealthy(record) {
      try {
        await table.client.send(
          new PutItemCommand({
            TableName: table.tableName,
            Item: toItem({ ...keys.unhealthyJob(record.jobId), type: "unhealthy-job", ...flatten(record) }),
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: { "#pk": "pk" },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async updateReasons(jobId, reasons, basis, nowMs) {
      const update =
        "SET #reasons = :reasons, #updatedAt = :now, #runsEnded = :runsEnded, #firesSkipped = :firesSkipped";
      await conditionalUpdate(
        table,
        updateSpec(keys.unhealthyJob(jobId), update, `attribute_exists(#pk) AND ${NOT_NEWER_THAN_BASIS}`, {
          ":reasons": reasons,
          ":now": nowMs,
          ...basisValues(basis),
        }),
      );
    },

    async markHealthy(jobId, basis) {
      const condition = `attribute_exists(#pk) AND ${NOT_NEWER_THAN_BASIS}`;
      try {
        const result = await table.client.send(
          new DeleteItemCommand({
            TableName: table.tableName,
            Key: attributeValues(keys.unhealthyJob(jobId)),
            ConditionExpression: condition,
            ExpressionAttributeNames: attributeNames([condition]),
            ExpressionAttributeValues: attributeValues(basisValues(basis)),
            ReturnValues: "ALL_OLD",
          }),
        );
        const old = plain(result.Attributes);
        return old ? unhealthyJobFromItem(old) : undefined;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },

    async listUnhealthyJobs() {
      const items = await collectItems(partitionItems(table, UNHEALTHY_JOBS_PARTITION));
      return items.map(unhealthyJobFromItem);
    },

    async countUnhealthyJobs() {
      let count = 0;
      let start: QueryCommandOutput["LastEvaluatedKey"];
      do {
        const page = await table.client.send(
          new QueryCommand({
            TableName: table.tableName,
            KeyConditionExpression: "#pk = :pk",
            ExpressionAttributeNames: { "#pk": "pk" },
            ExpressionAttributeValues: attributeValues({ ":pk": UNHEALTHY_JOBS_PARTITION }),
            Select: "COUNT",
            ExclusiveStartKey: start,
          }),
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    },
  };
}

function flatten(record: UnhealthyJobRecord) {
  return {
    jobId: record.jobId,
    reasons: record.reasons,
    since: record.since,
    updatedAt: record.updatedAt,
    runsEnded: record.basis.runsEnded,
    firesSkipped: record.basis.firesSkipped,
  };
}

function basisValues(basis: HealthBasis) {
  return { ":runsEnded": basis.runsEnded, ":firesSkipped": basis.firesSkipped };
}

export function unhealthyJobFromItem(item: Record<string, unknown>): UnhealthyJobRecord {
  return {
    jobId: String(item.jobId),
    reasons: (item.reasons as UnhealthyJobRecord["reasons"] | undefined) ?? [],
    since: Number(item.since),
    updatedAt: Number(item.updatedAt),
    basis: { runsEnded: Number(item.runsEnded ?? 0), firesSkipped: Number(item.firesSkipped ?? 0) },
  };
}
