import { getJob, listRuns } from "#adapters/dynamodb/reads.ts";
import type { RunRecord, RunStatus } from "#core/runs/run-record.ts";
import { NotFoundError } from "../exit-codes.ts";
import type { Deployment } from "../target.ts";

/** Which runs to show: the newest `limit`, optionally of one status and since a time. */
export interface RunHistoryFilter {
  readonly status?: RunStatus;
  readonly sinceMs?: number;
  readonly limit: number;
}

/** With a status filter, how far back to look for matching runs (runs are read newest first). */
export const STATUS_FILTER_SCAN_LIMIT = 1000;

/**
 * A job's runs, newest first, filtered by status and time. A job that no longer exists but still
 * has runs shows them.
 * @throws NotFoundError when there is neither such a job nor any run of it.
 */
export async function readRunHistory(
  deployment: Deployment,
  jobId: string,
  filter: RunHistoryFilter,
): Promise<RunRecord[]> {
  const read = await listRuns(deployment.table, jobId, {
    limit: filter.status ? STATUS_FILTER_SCAN_LIMIT : filter.limit,
    sinceMs: filter.sinceMs,
  });
  const runs = (filter.status ? read.filter((run) => run.status === filter.status) : read).slice(
    0,
    filter.limit,
  );
  if (read.length === 0 && !(await getJob(deployment.table, jobId))) {
    throw new NotFoundError(
      `no job "${jobId}" and no runs of it on ${deployment.label}: agentcron jobs list shows the jobs there`,
    );
  }
  return runs;
}
