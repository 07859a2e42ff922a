import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The one table's shape — the single source for the tests, the local runtime and the CDK stack.
 *
 * Items (pk / sk):
 * - `JOBS` / `JOB#<jobId>`            job definition (all jobs in one partition: `jobs list` is one query)
 * - `JOB#<jobId>` / `LEASE`           the job's lease: running marker + fencing token + pending fire
 * - `JOB#<jobId>` / `STATS`           rolling health of the job
 * - `JOB#<jobId>` / `RUN#<runId>`     run record with its phase timeline (run ids are ULIDs: time-ordered)
 * - `JOB#<jobId>` / `FIRE#<fireKey>`  what became of one fire
 * - `JOB#<jobId>` / `FIRE-WATCH`      the job's expected next fire (missed-fire detection)
 * - `SYSTEM` / `SWEEPER`              when the sweeper last completed, and what it did
 * - `LOCAL-RULES` / `RULE#<jobId>`    the local runtime's schedule rules (EventBridge's stand-in)
 */
export const TABLE_SCHEMA = {
  partitionKey: "pk",
  sortKey: "sk",
  /**
   * Epoch *seconds*. Garbage collection only: DynamoDB deletes expired items lazily (typically
   * within days) and returns them until then, so nothing reads this to decide liveness (invariant 1).
   */
  ttlAttribute: "ttl",
  /**
   * Sparse index of leases that need the sweeper: held leases (keyed by the earliest of their
   * phase deadline and expiry) and free leases with a pending fire. Its size is the number of
   * active runs, never the history (issue #2).
   */
  sweepIndex: { name: "sweep", partitionKey: "sweepShard", sortKey: "sweepAt" },
  /** Sparse, keys-only: finds a run from its id alone (`agentcron inspect RUN_ID`). */
  runLookupIndex: { name: "run-lookup", partitionKey: "runLookupId" },
  /**
   * Sparse index of expected fires, keyed by when each is due for a check: the sweeper's cost of
   * missed-fire detection grows with the jobs due, never with all jobs (DESIGN invariant 12).
   */
  fireWatchIndex: { name: "fire-watch", partitionKey: "watchShard", sortKey: "watchDueAt" },
} as const;

/** Sweep-index partitions; spreading held leases over a few keys keeps each under the per-key write limit. */
export const SWEEP_SHARD_COUNT = 4;

export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, sweepIndex, runLookupIndex, fireWatchIndex } = TABLE_SCHEMA;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: "S" },
      { AttributeName: sortKey, AttributeType: "S" },
      { AttributeName: sweepIndex.partitionKey, AttributeType: "S" },
      { AttributeName: sweepIndex.sortKey, AttributeType: "N" },
      { AttributeName: runLookupIndex.partitionKey, AttributeType: "S" },
      { AttributeName: fireWatchIndex.partitionKey, AttributeType: "S" },
      { AttributeName: fireWatchIndex.sortKey, AttributeType: "N" },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: "HASH" },
      { AttributeName: sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: sweepIndex.name,
        KeySchema: [
          { AttributeName: sweepIndex.partitionKey, KeyType: "HASH" },
          { AttributeName: sweepIndex.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
      {
        IndexName: runLookupIndex.name,
        KeySchema: [{ AttributeName: runLookupIndex.partitionKey, KeyType: "HASH" }],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
      {
        IndexName: fireWatchIndex.name,
        KeySchema: [
          { AttributeName: fireWatchIndex.partitionKey, KeyType: "HASH" },
          { AttributeName: fireWatchIndex.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}

export function enableTtlInput(tableName: string): UpdateTimeToLiveCommandInput {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
  };
}
