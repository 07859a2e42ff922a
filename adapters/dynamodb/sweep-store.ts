import {
  type AttributeValue,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import type { LeaseState } from "#core/leases/lease.ts";
import type { SweepStore } from "#core/ports.ts";
import { conditionalUpdate, updateSpec } from "./conditional-update.ts";
import { attributeNames, attributeValues, toItem } from "./expressions.ts";
import { allSweepShards, keys } from "./keys.ts";
import { handOverLease, recordHandoffOnLease, releaseLease } from "./lease-expressions.ts";
import { getLease, getRun, getStats } from "./reads.ts";
import { leaseFromItem, plain, runToItem } from "./records.ts";
import { endRunClauses, settleLease, statsUpdate } from "./run-writes.ts";
import type { TableContext } from "./table-context.ts";
import { TABLE_SCHEMA } from "./table-definition.ts";
import { transactWrite } from "./transactions.ts";

export function createSweepStore(table: TableContext): SweepStore {
  return {
    async findOverdueLeases(nowMs) {
      const index = TABLE_SCHEMA.sweepIndex;
      const leases: LeaseState[] = [];
      for (const shard of allSweepShards()) {
        let exclusiveStartKey: Record<string, AttributeValue> | undefined;
        do {
          const result = await table.client.send(
            new QueryCommand({
              TableName: table.tableName,
              IndexName: index.name,
              KeyConditionExpression: "#shard = :shard AND #sweepAt < :now",
              ExpressionAttributeNames: { "#shard": index.partitionKey, "#sweepAt": index.sortKey },
              ExpressionAttributeValues: attributeValues({ ":shard": shard, ":now": nowMs }),
              ExclusiveStartKey: exclusiveStartKey,
            }),
          );
          for (const item of result.Items ?? [])
            leases.push(leaseFromItem(plain(item) as Record<string, unknown>));
          exclusiveStartKey = result.LastEvaluatedKey;
        } while (exclusiveStartKey);
      }
      return leases;
    },

    async loadSweepCandidate(jobId) {
      // The index is eventually consistent; decisions are made on a strongly consistent re-read.
      const lease = await getLease(table, jobId);
      if (!lease) return undefined;
      const run = lease.holderRunId ? await getRun(table, jobId, lease.holderRunId) : undefined;
      return { lease, run };
    },

    async endRunBySweeper(run, end, options) {
      const items: TransactWriteItem[] = [];
      const { token, overdue } = options.lease;
      const retry = options.retry;
      const leaseUpdate = retry
        ? handOverLease({
            jobId: run.jobId,
            fromRunId: run.runId,
            token,
            toRunId: retry.run.runId,
            fireKey: retry.run.fireKey,
            nowMs: options.nowMs,
            startDeadlineAt: retry.run.startDeadlineAt ?? options.nowMs,
            firstCheckAt: retry.firstCheckAt,
            overdue,
          })
        : releaseLease({ jobId: run.jobId, runId: run.runId, token, nowMs: options.nowMs, overdue });
      items.push({ Update: { TableName: table.tableName, ...leaseUpdate } });
      const ending = endRunClauses(end, options.nowMs, options.historyRetentionDays, options.attemptId);
      const condition = "#status IN (:queued, :running)";
      items.push({
        Update: {
          TableName: table.tableName,
          Key: attributeValues(keys.run(run.jobId, run.runId)),
          UpdateExpression: ending.update,
          ConditionExpression: condition,
          ExpressionAttributeNames: attributeNames([ending.update, condition], ending.names),
          ExpressionAttributeValues: attributeValues({
            ...ending.values,
            ":queued": "queued",
            ":running": "running",
          }),
        },
      });
      items.push(statsUpdate(table, options.statsBefore, options.statsAfter));
      if (retry) {
        items.push({
          Put: {
            TableName: table.tableName,
            Item: runToItem(retry.run, options.historyRetentionDays),
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: { "#pk": "pk" },
          },
        });
      }
      const outcome = await transactWrite(table.client, items);
      if (outcome.committed) return { kind: "ended" };
      // A retry whose first attempt was applied (but reported failure) finds the run ended by itself.
      if (outcome.failedConditions[1]?.item?.endAttemptId === options.attemptId) return { kind: "ended" };
      const parts = ["lease", "run", "stats", "retry-run"] as const;
      const failedAt = outcome.failedConditions.findIndex((failure) => failure !== undefined);
      return { kind: "conflict", on: parts[failedAt] ?? "run" };
    },

    async recordHandoff(run, options) {
      const lease = recordHandoffOnLease({
        jobId: run.jobId,
        runId: run.runId,
        token: options.token,
        nextCheckAt: options.nextCheckAt,
      });
      if (!options.handedOff) return (await conditionalUpdate(table, lease)).applied;
      const outcome = await transactWrite(table.client, [
        { Update: { TableName: table.tableName, ...lease } },
        {
          Update: {
            TableName: table.tableName,
            ...updateSpec(
              keys.run(run.jobId, run.runId),
              "SET #lastHandoffAt = :now ADD #handoffs :one",
              "#status = :queued",
              { ":now": options.nowMs, ":one": 1, ":queued": "queued" },
            ),
          },
        },
      ]);
      return outcome.committed;
    },

    async postponeSweep(jobId, expectedBufferId, sweepAt) {
      await conditionalUpdate(
        table,
        updateSpec(
          keys.lease(jobId),
          "SET #sweepAt = :sweepAt",
          "attribute_not_exists(#holderRunId) AND #pendingBufferId = :bufferId",
          { ":sweepAt": sweepAt, ":bufferId": expectedBufferId },
        ),
      );
    },

    settleLease: (jobId) => settleLease(table, jobId),

    getRun: (jobId, runId) => getRun(table, jobId, runId),

    async recordSweep(report, nowMs) {
      await table.client.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: toItem({ ...keys.lastSweep(), type: "sweep", lastSweepAt: nowMs, report }),
        }),
      );
    },

    async releaseOrphanedLease(jobId, runId, token, nowMs) {
      await conditionalUpdate(table, releaseLease({ jobId, runId, token, nowMs }));
    },

    getStats: (jobId) => getStats(table, jobId),
  };
}
