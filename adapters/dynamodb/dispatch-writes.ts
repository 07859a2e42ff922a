import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import type { BufferResult, DispatchStore, RunStartResult } from "#core/ports.ts";
import type { FireRecord } from "#core/runs/run-record.ts";
import { conditionalUpdate, updateSpec } from "./conditional-update.ts";
import { attributeNames, attributeValues } from "./expressions.ts";
import { keys } from "./keys.ts";
import { acquireLease, bufferOnLease } from "./lease-expressions.ts";
import { getRun } from "./reads.ts";
import { fireFromItem, fireToItem, leaseFromItem, runToItem } from "./records.ts";
import type { TableContext } from "./table-context.ts";
import { transactWrite } from "./transactions.ts";

// The writes of the dispatch path. Each is one TransactWriteItems whose first item is the fire
// record, conditioned on not existing yet: a fire delivered twice finds its own record and learns
// the first delivery's outcome from the failed condition (DESIGN invariant 4).

function putFire(table: TableContext, fire: FireRecord, historyRetentionDays: number): TransactWriteItem {
  return {
    Put: {
      TableName: table.tableName,
      Item: fireToItem(fire, historyRetentionDays),
      ConditionExpression: "attribute_not_exists(#pk)",
      ExpressionAttributeNames: { "#pk": "pk" },
    },
  };
}

function updateStats(
  table: TableContext,
  jobId: string,
  expression: string,
  values: Record<string, unknown>,
) {
  const update = `SET #jobId = :jobId, #type = :statsType ${expression}`;
  return {
    Update: {
      TableName: table.tableName,
      Key: attributeValues(keys.stats(jobId)),
      UpdateExpression: update,
      ExpressionAttributeNames: attributeNames([update]),
      ExpressionAttributeValues: attributeValues({ ":jobId": jobId, ":statsType": "stats", ...values }),
    },
  } satisfies TransactWriteItem;
}

export function createDispatchWrites(table: TableContext): DispatchStore {
  return {
    async startRunForFire(start): Promise<RunStartResult> {
      const { fire, run } = start;
      const outcome = await transactWrite(table.client, [
        putFire(table, fire, start.historyRetentionDays),
        {
          Update: {
            TableName: table.tableName,
            ...acquireLease({
              jobId: run.jobId,
              runId: run.runId,
              fireKey: run.fireKey,
              nowMs: start.nowMs,
              startDeadlineAt: start.startDeadlineAt,
              firstCheckAt: start.firstCheckAt,
              consumePending: start.consumePending,
            }),
          },
        },
        {
          Put: {
            TableName: table.tableName,
            Item: runToItem(run, start.historyRetentionDays),
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: { "#pk": "pk" },
          },
        },
        // A fire that starts a run ends any streak of bounced fires.
        updateStats(table, run.jobId, ", #consecutiveSkips = :zero", { ":zero": 0 }),
      ]);
      if (outcome.committed) return { kind: "started" };
      const [fireFailure, leaseFailure] = outcome.failedConditions;
      if (fireFailure) {
        if (!fireFailure.item) throw new Error(`fire ${fire.fireKey}: condition failed on a missing item`);
        const previous = fireFromItem(fireFailure.item);
        // Our own earlier attempt, applied though it reported failure: the run is ours.
        if (previous.runId === run.runId) return { kind: "started" };
        return { kind: "duplicate", previous };
      }
      if (leaseFailure) {
        return {
          kind: "busy",
          lease: leaseFailure.item ? leaseFromItem(leaseFailure.item) : { jobId: run.jobId, token: 0 },
        };
      }
      throw new Error(`run ${run.runId}: a run with this id already exists`);
    },

    async recordFireWithoutRun(fire, historyRetentionDays) {
      const counter =
        fire.outcome === "skipped"
          ? "firesSkipped"
          : fire.outcome === "missed"
            ? "firesMissed"
            : "firesRejected";
      const items: TransactWriteItem[] = [putFire(table, fire, historyRetentionDays)];
      // A fire for a job that does not exist must not create stats for it.
      if (fire.reason !== "unknown-job") {
        const skipStreak = fire.outcome === "skipped" ? ", #consecutiveSkips :one" : "";
        items.push(updateStats(table, fire.jobId, `ADD #${counter} :one${skipStreak}`, { ":one": 1 }));
      }
      const outcome = await transactWrite(table.client, items);
      if (outcome.committed) return { kind: "recorded" };
      const item = outcome.failedConditions[0]?.item;
      if (!item) throw new Error(`fire ${fire.fireKey}: condition failed without a previous record`);
      const previous = fireFromItem(item);
      if (fire.attemptId !== undefined && previous.attemptId === fire.attemptId) return { kind: "recorded" };
      return { kind: "duplicate", previous };
    },

    async bufferFire(fire, options): Promise<BufferResult> {
      const outcome = await transactWrite(table.client, [
        putFire(table, fire, options.historyRetentionDays),
        {
          Update: {
            TableName: table.tableName,
            ...bufferOnLease({
              jobId: fire.jobId,
              holderRunId: options.holderRunId,
              scheduledAt: fire.scheduledAt,
              nowMs: options.nowMs,
              requestStop: options.requestStop,
              fireKey: fire.fireKey,
            }),
          },
        },
        updateStats(table, fire.jobId, "ADD #firesBuffered :one", { ":one": 1 }),
      ]);
      if (outcome.committed) return { kind: "buffered" };
      const [fireFailure, leaseFailure] = outcome.failedConditions;
      if (fireFailure?.item) {
        const previous = fireFromItem(fireFailure.item);
        if (fire.attemptId !== undefined && previous.attemptId === fire.attemptId)
          return { kind: "buffered" };
        return { kind: "duplicate", previous };
      }
      return {
        kind: "holder-changed",
        lease: leaseFailure?.item ? leaseFromItem(leaseFailure.item) : undefined,
      };
    },

    getRun: (jobId, runId) => getRun(table, jobId, runId),

    async dropPendingFire(jobId, bufferId) {
      await conditionalUpdate(
        table,
        updateSpec(
          keys.lease(jobId),
          "REMOVE #pendingBufferId, #pendingCount, #pendingFirstScheduledAt, #pendingLastScheduledAt, #sweepShard, #sweepAt",
          "attribute_not_exists(#holderRunId) AND #pendingBufferId = :bufferId",
          { ":bufferId": bufferId },
        ),
      );
    },
  };
}
