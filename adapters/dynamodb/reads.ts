import { BatchGetItemCommand, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import type { LeaseState } from "#core/leases/lease.ts";
import type { StoredJob } from "#core/ports.ts";
import type { FireRecord, RunRecord } from "#core/runs/run-record.ts";
import type { JobStats } from "#core/stats/job-stats.ts";
import { attributeValues } from "./expressions.ts";
import { FIRE_SK_PREFIX, type ItemKey, keys, RUN_SK_PREFIX } from "./keys.ts";
import { collectItems, partitionItems } from "./partition-items.ts";
import { fireFromItem, jobFromItem, leaseFromItem, plain, runFromItem, statsFromItem } from "./records.ts";
import type { TableContext } from "./table-context.ts";
import { TABLE_SCHEMA } from "./table-definition.ts";

/** One strongly consistent GetItem. */
export async function getItem(
  table: TableContext,
  key: ItemKey,
): Promise<Record<string, unknown> | undefined> {
  const result = await table.client.send(
    new GetItemCommand({ TableName: table.tableName, Key: attributeValues(key), ConsistentRead: true }),
  );
  return plain(result.Item);
}

/**
 * Strongly consistent BatchGetItem of up to 100 keys, retrying unprocessed keys. Returns the items
 * by `pk|sk`.
 */
export async function batchGet(
  table: TableContext,
  itemKeys: readonly ItemKey[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  let pending = itemKeys.map((key) => attributeValues(key));
  for (let attempt = 0; pending.length > 0; attempt++) {
    const result = await table.client.send(
      new BatchGetItemCommand({
        RequestItems: { [table.tableName]: { Keys: pending.slice(0, 100), ConsistentRead: true } },
      }),
    );
    for (const raw of result.Responses?.[table.tableName] ?? []) {
      const item = plain(raw) as Record<string, unknown>;
      found.set(`${item.pk}|${item.sk}`, item);
    }
    pending = [...(result.UnprocessedKeys?.[table.tableName]?.Keys ?? []), ...pending.slice(100)];
    if (pending.length > 0 && attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
  return found;
}

export function keyOf(key: ItemKey): string {
  return `${key.pk}|${key.sk}`;
}

export async function getJob(table: TableContext, jobId: string): Promise<StoredJob | undefined> {
  const item = await getItem(table, keys.job(jobId));
  return item ? jobFromItem(item) : undefined;
}

export async function getLease(table: TableContext, jobId: string): Promise<LeaseState | undefined> {
  const item = await getItem(table, keys.lease(jobId));
  return item ? leaseFromItem(item) : undefined;
}

export async function getRun(
  table: TableContext,
  jobId: string,
  runId: string,
): Promise<RunRecord | undefined> {
  const item = await getItem(table, keys.run(jobId, runId));
  return item ? runFromItem(item) : undefined;
}

export async function getStats(table: TableContext, jobId: string): Promise<JobStats | undefined> {
  const item = await getItem(table, keys.stats(jobId));
  return item ? statsFromItem(item, jobId) : undefined;
}

export async function getFire(
  table: TableContext,
  jobId: string,
  fireKey: string,
): Promise<FireRecord | undefined> {
  const item = await getItem(table, keys.fire(jobId, fireKey));
  return item ? fireFromItem(item) : undefined;
}

/** A job's runs, newest first (run ids are ULIDs, so the sort key orders them by time). */
export async function listRuns(
  table: TableContext,
  jobId: string,
  options: { limit?: number; sinceMs?: number } = {},
): Promise<RunRecord[]> {
  const limit = options.limit ?? 50;
  const runs: RunRecord[] = [];
  const items = partitionItems(table, keys.lease(jobId).pk, {
    prefix: RUN_SK_PREFIX,
    newestFirst: true,
    pageSize: limit,
  });
  for await (const item of items) {
    const run = runFromItem(item);
    if (runs.length >= limit || (options.sinceMs !== undefined && run.createdAt < options.sinceMs)) break;
    runs.push(run);
  }
  return runs;
}

/** A job's fire records, newest schedule first. */
export async function listFires(table: TableContext, jobId: string, limit = 50): Promise<FireRecord[]> {
  const items = partitionItems(table, keys.lease(jobId).pk, {
    prefix: FIRE_SK_PREFIX,
    newestFirst: true,
    pageSize: limit,
  });
  return (await collectItems(items, limit)).map(fireFromItem);
}

/**
 * A job's latest `limit` fires by the time they arrived, newest first. Fire keys come in three
 * families that do not sort together — `<job>#<ISO time>` for scheduled fires, `<job>#manual#<id>`
 * and `<job>#buffered#<id>` — so each family is read newest first on its own (at most `limit`
 * each) and the three are merged.
 */
export async function listRecentFires(table: TableContext, jobId: string, limit = 50): Promise<FireRecord[]> {
  const pk = keys.lease(jobId).pk;
  const family = `${keys.fire(jobId, jobId).sk}#`;
  const newest = (options: { prefix?: string; between?: readonly [string, string] }) =>
    collectItems(partitionItems(table, pk, { ...options, newestFirst: true, pageSize: limit }), limit);
  const families = await Promise.all([
    // Scheduled fire keys carry an ISO time, so they start with a digit.
    newest({ between: [`${family}0`, `${family}9\uffff`] }),
    newest({ prefix: `${family}manual#` }),
    newest({ prefix: `${family}buffered#` }),
  ]);
  return families
    .flat()
    .map(fireFromItem)
    .sort((a, b) => b.receivedAt - a.receivedAt)
    .slice(0, limit);
}

/** Finds a run from its id alone, through the keys-only run-lookup index. */
export async function findRunById(table: TableContext, runId: string): Promise<RunRecord | undefined> {
  const index = TABLE_SCHEMA.runLookupIndex;
  const result = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: index.name,
      KeyConditionExpression: "#id = :id",
      ExpressionAttributeNames: { "#id": index.partitionKey },
      ExpressionAttributeValues: attributeValues({ ":id": runId }),
      Limit: 1,
    }),
  );
  const hit = plain(result.Items?.[0]);
  if (!hit) return undefined;
  const item = await getItem(table, { pk: String(hit.pk), sk: String(hit.sk) });
  return item ? runFromItem(item) : undefined;
}

/** When the sweeper last completed, and its report (undefined if it never ran). */
export async function getLastSweep(
  table: TableContext,
): Promise<{ lastSweepAt: number; report: Record<string, unknown> } | undefined> {
  const item = await getItem(table, keys.lastSweep());
  return item
    ? { lastSweepAt: Number(item.lastSweepAt), report: (item.report ?? {}) as Record<string, unknown> }
    : undefined;
}
