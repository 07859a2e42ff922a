import {
  ConditionalCheckFailedException,
  type TransactWriteItem,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { FencedWriteResult, PhaseChange, RunEnd, RunStore } from "#core/ports.ts";
import type { PhaseName, PluginRecord } from "#core/runs/run-record.ts";
import type { JobStats } from "#core/stats/job-stats.ts";
import { conditionalUpdate, updateSpec } from "./conditional-update.ts";
import { attributeNames, attributeValues, setClauses } from "./expressions.ts";
import { keys, ttlAfterDays } from "./keys.ts";
import { releaseLease, renewLease } from "./lease-expressions.ts";
import { batchGet, getStats, keyOf } from "./reads.ts";
import { jobFromItem, leaseFromItem, plain, runFromItem, statsFromItem } from "./records.ts";
import type { TableContext } from "./table-context.ts";
import { transactWrite } from "./transactions.ts";

// The writes a running turn makes. Every one is fenced (DESIGN invariant 2): a transaction whose
// lease item is conditioned on `holderRunId = :runId AND token = :token` — and renews the lease, so
// any progress also counts as a heartbeat.

/** Update clauses that write phase/plugin progress into a run item. */
export function progressClauses(change: PhaseChange, nowMs: number) {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (change.end) {
    names["#endPhase"] = change.end.phase;
    clauses.push("#phases.#endPhase.#endedAt = :now", "#phases.#endPhase.#outcome = :endOutcome");
    values[":endOutcome"] = change.end.outcome;
    values[":now"] = nowMs;
  }
  if (change.start) {
    names["#startPhase"] = change.start.phase;
    clauses.push("#phases.#startPhase = :startRecord", "#phase = :startPhaseName");
    values[":startRecord"] = { startedAt: nowMs, deadlineAt: change.start.deadlineAt };
    values[":startPhaseName"] = change.start.phase;
  }
  (change.plugins ?? []).forEach((plugin, index) => {
    names[`#plugin${index}`] = plugin.name;
    clauses.push(`#plugins.#plugin${index} = :plugin${index}`);
    values[`:plugin${index}`] = plugin;
  });
  return { clauses, names, values };
}

function pluginMap(plugins: readonly PluginRecord[]): Record<string, PluginRecord> {
  return Object.fromEntries(plugins.map((plugin) => [plugin.name, plugin]));
}

function leaseItem(table: TableContext, update: ReturnType<typeof renewLease>): TransactWriteItem {
  return { Update: { TableName: table.tableName, ...update } };
}

function runUpdate(
  table: TableContext,
  fence: { jobId: string; runId: string },
  update: string,
  condition: string,
  values: Record<string, unknown>,
  extraNames: Record<string, string> = {},
): TransactWriteItem {
  return {
    Update: {
      TableName: table.tableName,
      Key: attributeValues(keys.run(fence.jobId, fence.runId)),
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: attributeNames([update, condition], extraNames),
      ExpressionAttributeValues: attributeValues(values),
    },
  };
}

/** Maps a cancelled fenced transaction (lease item first, run item second) to its meaning. */
function fencedFailure(
  failed: readonly ({ item: Record<string, unknown> | undefined } | undefined)[],
): FencedWriteResult {
  const [leaseFailure, runFailure] = failed;
  if (runFailure) {
    return { kind: "run-not-active", run: runFailure.item ? runFromItem(runFailure.item) : undefined };
  }
  return { kind: "lease-lost", lease: leaseFailure?.item ? leaseFromItem(leaseFailure.item) : undefined };
}

/**
 * The run-item update that ends a run: status, end time, outcome fields, the last phase's outcome,
 * and a TTL counted from the end so the record lives `historyRetentionDays` from then.
 */
export function endRunClauses(end: RunEnd, nowMs: number, historyRetentionDays: number, attemptId: string) {
  const { clauses, values } = setClauses({
    status: end.status,
    endAttemptId: attemptId,
    endedAt: nowMs,
    error: end.error,
    diagnostic: end.diagnostic,
    output: end.output,
    provider: end.provider,
    model: end.model,
    usage: end.usage,
    toolCalls: end.toolCalls,
    ttl: ttlAfterDays(nowMs, historyRetentionDays),
  });
  const progress = progressClauses({ end: end.phaseOutcome, plugins: end.plugins }, nowMs);
  return {
    update: `SET ${[...clauses, ...progress.clauses].join(", ")}`,
    names: progress.names,
    values: { ...values, ...progress.values },
  };
}

/**
 * Writes the run-outcome fields of the job's stats, conditioned on the version (`runsEnded`) they
 * were computed from. An Update rather than a Put: the fire counters that dispatch ADDs
 * concurrently (skips, buffered, rejected) are left alone.
 */
export function statsUpdate(table: TableContext, before: JobStats, after: JobStats): TransactWriteItem {
  const { clauses, values } = setClauses({
    jobId: after.jobId,
    type: "stats",
    runsEnded: after.runsEnded,
    lastStatus: after.lastStatus,
    lastRunId: after.lastRunId,
    lastEndedAt: after.lastEndedAt,
    consecutiveFailures: after.consecutiveFailures,
    recentOutcomes: after.recentOutcomes,
    failureRate: after.failureRate,
  });
  const update = `SET ${clauses.join(", ")}`;
  const condition =
    before.runsEnded === 0
      ? "attribute_not_exists(#runsEnded) OR #runsEnded = :before"
      : "#runsEnded = :before";
  return {
    Update: {
      TableName: table.tableName,
      Key: attributeValues(keys.stats(after.jobId)),
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: attributeNames([update, condition]),
      ExpressionAttributeValues: attributeValues({ ...values, ":before": before.runsEnded }),
    },
  };
}

export function createRunWrites(table: TableContext): Omit<RunStore, "saveRunOutput"> {
  return {
    async loadRunContext(jobId, runId) {
      const wanted = {
        job: keys.job(jobId),
        lease: keys.lease(jobId),
        run: keys.run(jobId, runId),
        stats: keys.stats(jobId),
      };
      const found = await batchGet(table, Object.values(wanted));
      const job = found.get(keyOf(wanted.job));
      const lease = found.get(keyOf(wanted.lease));
      const run = found.get(keyOf(wanted.run));
      return {
        job: job ? jobFromItem(job) : undefined,
        lease: lease ? leaseFromItem(lease) : undefined,
        run: run ? runFromItem(run) : undefined,
        stats: statsFromItem(found.get(keyOf(wanted.stats)), jobId),
      };
    },

    async beginRun(fence, options) {
      const outcome = await transactWrite(table.client, [
        leaseItem(
          table,
          renewLease({
            ...fence,
            nowMs: options.nowMs,
            leaseSeconds: options.leaseSeconds,
            phaseDeadlineAt: options.setupDeadlineAt,
            phase: "setup",
            requireUnexpired: true,
          }),
        ),
        runUpdate(
          table,
          fence,
          "SET #status = :running, #startedAt = :now, #leaseToken = :token, #phase = :setup, " +
            "#phases = :phases, #plugins = :plugins, #lastHeartbeatAt = :now, #beginAttemptId = :attemptId",
          "#status = :queued",
          {
            ":running": "running",
            ":queued": "queued",
            ":now": options.nowMs,
            ":token": fence.token,
            ":setup": "setup" satisfies PhaseName,
            ":phases": { setup: { startedAt: options.nowMs, deadlineAt: options.setupDeadlineAt } },
            ":plugins": pluginMap(options.plugins),
            ":attemptId": options.attemptId,
          },
        ),
      ]);
      if (outcome.committed) return { kind: "ok" };
      // A retry whose first attempt was applied (but reported failure) finds the run begun by itself.
      const run = outcome.failedConditions[1]?.item;
      if (run?.beginAttemptId === options.attemptId) return { kind: "ok" };
      return fencedFailure(outcome.failedConditions);
    },

    async recordProgress(fence, change, options) {
      const progress = progressClauses(change, options.nowMs);
      if (progress.clauses.length === 0) return { kind: "ok" };
      const outcome = await transactWrite(table.client, [
        leaseItem(
          table,
          renewLease({
            ...fence,
            nowMs: options.nowMs,
            leaseSeconds: options.leaseSeconds,
            phaseDeadlineAt: options.phaseDeadlineAt,
            phase: change.start?.phase,
          }),
        ),
        runUpdate(
          table,
          fence,
          `SET ${progress.clauses.join(", ")}, #lastHeartbeatAt = :now`,
          "#status = :running AND #leaseToken = :token",
          { ...progress.values, ":now": options.nowMs, ":running": "running", ":token": fence.token },
          progress.names,
        ),
      ]);
      return outcome.committed ? { kind: "ok" } : fencedFailure(outcome.failedConditions);
    },

    async heartbeat(fence, options) {
      const update = renewLease({ ...fence, ...options });
      try {
        const result = await table.client.send(
          new UpdateItemCommand({
            TableName: table.tableName,
            ...update,
            ReturnValues: "ALL_NEW",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        const lease = leaseFromItem(plain(result.Attributes) ?? {});
        return { kind: "ok", stopRequestedAt: lease.stopRequestedAt, stopRequestedBy: lease.stopRequestedBy };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          const old = plain(error.Item);
          return { kind: "lease-lost", lease: old ? leaseFromItem(old) : undefined };
        }
        throw error;
      }
    },

    async finishRun(fence, end, options) {
      const ending = endRunClauses(end, options.nowMs, options.historyRetentionDays, options.attemptId);
      const outcome = await transactWrite(table.client, [
        leaseItem(table, releaseLease({ ...fence, nowMs: options.nowMs })),
        runUpdate(
          table,
          fence,
          ending.update,
          "#status = :running AND #leaseToken = :token",
          { ...ending.values, ":running": "running", ":token": fence.token },
          ending.names,
        ),
        statsUpdate(table, options.statsBefore, options.statsAfter),
      ]);
      if (outcome.committed) return { kind: "ok" };
      // A retry whose first attempt was applied (but reported failure) finds the run ended by itself.
      if (outcome.failedConditions[1]?.item?.endAttemptId === options.attemptId) return { kind: "ok" };
      if (!outcome.failedConditions[0] && !outcome.failedConditions[1]) return { kind: "stats-conflict" };
      return fencedFailure(outcome.failedConditions);
    },

    getStats: (jobId) => getStats(table, jobId),

    settleLease: (jobId) => settleLease(table, jobId),
  };
}

/**
 * Takes a free lease out of the sweep index — unless a fire is pending on it, in which case the
 * failed condition hands back the pending fire (no second read) for the caller to drain.
 */
export async function settleLease(table: TableContext, jobId: string) {
  const result = await conditionalUpdate(
    table,
    updateSpec(
      keys.lease(jobId),
      "REMOVE #sweepShard, #sweepAt",
      "attribute_exists(#pk) AND attribute_not_exists(#holderRunId) AND attribute_not_exists(#pendingBufferId)",
    ),
  );
  if (result.applied || !result.old) return {};
  const lease = leaseFromItem(result.old);
  // Held again already (a new fire took it): its own release will settle it.
  return lease.holderRunId ? {} : { pending: lease.pending };
}
