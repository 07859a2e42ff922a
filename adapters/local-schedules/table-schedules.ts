import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { attributeNames, attributeValues, toItem } from "#adapters/dynamodb/expressions.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import { collectItems, partitionItems } from "#adapters/dynamodb/partition-items.ts";
import { getItem } from "#adapters/dynamodb/reads.ts";
import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import type { Clock } from "#core/clock.ts";
import { UTC } from "#core/jobs/time-zone.ts";
import type { ScheduleChange, ScheduledJob, ScheduleInspector, Schedules } from "#core/ports.ts";
import { isOneTimeJobOver } from "#core/schedules/one-time.ts";

/** The local runtime's stand-in for one job's EventBridge rule or Scheduler schedule. */
export interface LocalRule {
  readonly jobId: string;
  readonly ruleName: string;
  readonly expression: string;
  /** The IANA zone cron and at() expressions are read in; absent on rules written before zones (UTC). */
  readonly timezone?: string;
  readonly enabled: boolean;
  /** Rate schedules count their periods from here, as EventBridge counts from rule creation. */
  readonly anchorMs: number;
  readonly updatedAt: number;
}

export async function listLocalRules(table: TableContext): Promise<LocalRule[]> {
  const items = await collectItems(partitionItems(table, keys.localRule("any").pk));
  return items.map(({ pk: _pk, sk: _sk, type: _type, ...rule }) => rule as unknown as LocalRule);
}

/**
 * Deletes a one-time rule once it has fired, as EventBridge Scheduler deletes a one-time schedule
 * (ActionAfterCompletion DELETE) — unless the rule changed since it was read.
 */
export async function deleteFiredLocalRule(table: TableContext, rule: LocalRule): Promise<void> {
  try {
    await table.client.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: attributeValues(keys.localRule(rule.jobId)),
        ConditionExpression: "#updatedAt = :updatedAt",
        ExpressionAttributeNames: attributeNames(["#updatedAt"]),
        ExpressionAttributeValues: attributeValues({ ":updatedAt": rule.updatedAt }),
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
  }
}

/**
 * The Schedules port for the local runtime: rules kept as items in the table, which the local
 * scheduler reads and fires exactly as EventBridge would fire the job's rule or schedule — in the
 * job's time zone, and once for an at() job. `jobs apply` against the local runtime reconciles
 * these, as it reconciles EventBridge rules or schedules in AWS. A one-time job whose time has come
 * gets no rule (its rule deleted itself when it fired).
 */
export function createTableSchedules(table: TableContext, clock: Clock): Schedules {
  return {
    async reconcile(jobs: readonly ScheduledJob[], options = {}) {
      const existing = new Map((await listLocalRules(table)).map((rule) => [rule.jobId, rule]));
      const changes: ScheduleChange[] = [];
      const nowMs = clock.now();
      for (const job of jobs) {
        if (isOneTimeJobOver(job, nowMs)) continue; // its rule, if any, is deleted below
        const rule = existing.get(job.id);
        existing.delete(job.id);
        const ruleName = `local-${job.id}`;
        const timezone = job.timezone ?? UTC;
        const sameTiming =
          rule !== undefined && rule.expression === job.schedule && (rule.timezone ?? UTC) === timezone;
        const action: ScheduleChange["action"] = !rule
          ? "created"
          : !sameTiming
            ? "updated"
            : rule.enabled !== job.enabled
              ? job.enabled
                ? "enabled"
                : "disabled"
              : "unchanged";
        changes.push({ jobId: job.id, ruleName, action });
        if (action === "unchanged" || options.dryRun) continue;
        const next: LocalRule = {
          jobId: job.id,
          ruleName,
          expression: job.schedule,
          timezone,
          enabled: job.enabled,
          anchorMs: rule && sameTiming ? rule.anchorMs : nowMs,
          updatedAt: nowMs,
        };
        await table.client.send(
          new PutItemCommand({
            TableName: table.tableName,
            Item: toItem({ ...keys.localRule(job.id), type: "local-rule", ...next }),
          }),
        );
      }
      for (const rule of existing.values()) {
        changes.push({ jobId: rule.jobId, ruleName: rule.ruleName, action: "deleted" });
        if (options.dryRun) continue;
        await table.client.send(
          new DeleteItemCommand({
            TableName: table.tableName,
            Key: attributeValues(keys.localRule(rule.jobId)),
          }),
        );
      }
      return changes.sort((a, b) => a.jobId.localeCompare(b.jobId));
    },
  };
}

/** The state of a job's local rule, for a fire that never arrived. */
export function createLocalScheduleInspector(table: TableContext): ScheduleInspector {
  return {
    async stateOf(jobId) {
      const rule = await getItem(table, keys.localRule(jobId));
      if (!rule) return "missing";
      return rule.enabled === false ? "disabled" : "enabled";
    },
  };
}
