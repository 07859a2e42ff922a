import { createHash } from "node:crypto";
import { SWEEP_SHARD_COUNT } from "./table-definition.ts";

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export const UNHEALTHY_JOBS_PARTITION = "UNHEALTHY-JOBS";

export const keys = {
  job: (jobId: string): ItemKey => ({ pk: "JOBS", sk: `JOB#${jobId}` }),
  lease: (jobId: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: "LEASE" }),
  stats: (jobId: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: "STATS" }),
  run: (jobId: string, runId: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: `RUN#${runId}` }),
  /** A run's full output, next to the run (not under `RUN#`, so run queries never read it). */
  runOutput: (jobId: string, runId: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: `OUTPUT#${runId}` }),
  fire: (jobId: string, fireKey: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: `FIRE#${fireKey}` }),
  /** The job's expected next fire (missed-fire detection). */
  fireWatch: (jobId: string): ItemKey => ({ pk: `JOB#${jobId}`, sk: "FIRE-WATCH" }),
  lastSweep: (): ItemKey => ({ pk: "SYSTEM", sk: "SWEEPER" }),
  /** A job that is unhealthy; the partition lists exactly the unhealthy jobs. */
  unhealthyJob: (jobId: string): ItemKey => ({ pk: UNHEALTHY_JOBS_PARTITION, sk: `JOB#${jobId}` }),
  /** The local runtime's stand-in for a job's EventBridge rule. */
  localRule: (jobId: string): ItemKey => ({ pk: "LOCAL-RULES", sk: `RULE#${jobId}` }),
} as const;

export const RUN_SK_PREFIX = "RUN#";
export const FIRE_SK_PREFIX = "FIRE#";

/** The sweep-index partition of a job's lease: stable per job, spread over the shards. */
export function sweepShardOf(jobId: string): string {
  const digest = createHash("sha1").update(jobId).digest();
  return `SWEEP#${(digest[0] ?? 0) % SWEEP_SHARD_COUNT}`;
}

export function allSweepShards(): string[] {
  return Array.from({ length: SWEEP_SHARD_COUNT }, (_, shard) => `SWEEP#${shard}`);
}

/** TTL attribute value: epoch seconds (DynamoDB's TTL unit), `days` after `fromMs`. */
export function ttlAfterDays(fromMs: number, days: number): number {
  return Math.floor(fromMs / 1000) + Math.ceil(days * 86_400);
}

/** The fire-watch index partition of a job: the same spread as the sweep index, its own prefix. */
export function watchShardOf(jobId: string): string {
  return sweepShardOf(jobId).replace("SWEEP#", "WATCH#");
}

export function allWatchShards(): string[] {
  return allSweepShards().map((shard) => shard.replace("SWEEP#", "WATCH#"));
}
