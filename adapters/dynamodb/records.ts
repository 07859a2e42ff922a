import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { LeaseState } from "#core/leases/lease.ts";
import type { StoredJob } from "#core/ports.ts";
import type { FireRecord, RunRecord } from "#core/runs/run-record.ts";
import { emptyStats, type JobStats } from "#core/stats/job-stats.ts";
import { toItem } from "./expressions.ts";
import { keys, ttlAfterDays } from "./keys.ts";

// Item <-> domain record mapping. Items carry the record's fields flat, plus their keys, a `type`,
// and the GC-only `ttl`.

const ITEM_ONLY_ATTRIBUTES = ["pk", "sk", "type", "ttl", "runLookupId", "sweepShard", "sweepAt"] as const;

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const record = { ...item };
  for (const attribute of ITEM_ONLY_ATTRIBUTES) delete record[attribute];
  return record;
}

export function plain(item: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  return item ? unmarshall(item) : undefined;
}

export function runToItem(run: RunRecord, historyRetentionDays: number): Record<string, AttributeValue> {
  return toItem({
    ...keys.run(run.jobId, run.runId),
    type: "run",
    runLookupId: run.runId,
    ttl: ttlAfterDays(run.createdAt, historyRetentionDays),
    ...run,
  });
}

export function runFromItem(item: Record<string, unknown>): RunRecord {
  const record = strip(item);
  return { phases: {}, plugins: {}, coalescedFires: 1, attempt: 1, ...record } as unknown as RunRecord;
}

export function fireToItem(fire: FireRecord, historyRetentionDays: number): Record<string, AttributeValue> {
  return toItem({
    ...keys.fire(fire.jobId, fire.fireKey),
    type: "fire",
    ttl: ttlAfterDays(fire.receivedAt, historyRetentionDays),
    ...fire,
  });
}

export function fireFromItem(item: Record<string, unknown>): FireRecord {
  return strip(item) as unknown as FireRecord;
}

export function leaseFromItem(item: Record<string, unknown>): LeaseState {
  const { pendingBufferId, pendingCount, pendingFirstScheduledAt, pendingLastScheduledAt, ...rest } = strip(
    item,
  ) as Record<string, unknown> & {
    pendingBufferId?: string;
    pendingCount?: number;
    pendingFirstScheduledAt?: number;
    pendingLastScheduledAt?: number;
  };
  return {
    ...(rest as unknown as LeaseState),
    token: typeof rest.token === "number" ? rest.token : 0,
    pending: pendingBufferId
      ? {
          bufferId: pendingBufferId,
          count: pendingCount ?? 1,
          firstScheduledAt: pendingFirstScheduledAt ?? 0,
          lastScheduledAt: pendingLastScheduledAt ?? pendingFirstScheduledAt ?? 0,
        }
      : undefined,
  };
}

export function statsToItem(stats: JobStats): Record<string, AttributeValue> {
  return toItem({ ...keys.stats(stats.jobId), type: "stats", ...stats });
}

export function statsFromItem(item: Record<string, unknown> | undefined, jobId: string): JobStats {
  if (!item) return emptyStats(jobId);
  return { ...emptyStats(jobId), ...(strip(item) as Partial<JobStats>) };
}

export function jobFromItem(item: Record<string, unknown>): StoredJob {
  return strip(item) as unknown as StoredJob;
}
