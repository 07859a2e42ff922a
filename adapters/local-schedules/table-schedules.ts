import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { attributeValues, toItem } from "#adapters/dynamodb/expressions.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import { collectItems, partitionItems } from "#adapters/dynamodb/partition-items.ts";
import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import type { Clock } from "#core/clock.ts";
import type { ScheduleChange, ScheduledJob, Schedules } from "#core/ports.ts";

/** The local runtime's stand-in for one job's EventBridge rule. */
export interface LocalRule {
  readonly jobId: string;
  readonly ruleName: string;
  readonly expression: string;
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
 * The Schedules port for the local runtime: rules kept as items in the table, which the local
 * scheduler reads and fires exactly as EventBridge would fire the job's rule. `jobs apply` against
 * the local runtime reconciles these, as it reconciles EventBridge rules in AWS.
 */
export function createTableSchedules(table: TableContext, clock: Clock): Schedules {
  return {
    async reconcile(jobs: readonly ScheduledJob[], options = {}) {
      const existing = new Map((await listLocalRules(table)).map((rule) => [rule.jobId, rule]));
      const changes: ScheduleChange[] = [];
      const nowMs = clock.now();
      for (const job of jobs) {
        const rule = existing.get(job.id);
        existing.delete(job.id);
        const ruleName = `local-${job.id}`;
        const action: ScheduleChange["action"] = !rule
          ? "created"
          : rule.expression !== job.schedule
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
          enabled: job.enabled,
          anchorMs: rule && rule.expression === job.schedule ? rule.anchorMs : nowMs,
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
