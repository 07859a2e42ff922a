import { listRuns } from "#adapters/dynamodb/reads.ts";
import { JOB_DEFAULTS } from "#core/jobs/job-schema.ts";
import type { LeaseState } from "#core/leases/lease.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import { NotFoundError } from "../exit-codes.ts";
import { type JobState, readJobStates, upcomingFires } from "../job-state.ts";
import type { Deployment } from "../target.ts";

/** What `jobs show` and the console's job page show of one job. */
export interface JobOverview {
  readonly state: JobState;
  /** The job's latest runs, newest first (`options.runs` of them; none when 0). */
  readonly runs: readonly RunRecord[];
  /** The next fires, or undefined when they cannot be known (paused, or a rate without its anchor). */
  readonly nextFires?: readonly Date[];
  /** The lease while a run holds it (expired or not: the caller says which). */
  readonly holder?: LeaseState;
  /** The failure-rate window: how many recent runs the rate is taken over. */
  readonly window: number;
  readonly nowMs: number;
}

/**
 * One job with its lease, stats, next fires and latest runs.
 * @throws NotFoundError when the deployment has no such job.
 */
export async function readJobOverview(
  deployment: Deployment,
  jobId: string,
  options: { runs?: number; nextFires?: number } = {},
): Promise<JobOverview> {
  const nowMs = deployment.clock.now();
  const [[state], runs] = await Promise.all([
    readJobStates(deployment, jobId),
    (options.runs ?? 5) > 0 ? listRuns(deployment.table, jobId, { limit: options.runs ?? 5 }) : [],
  ]);
  if (!state) throw jobNotFound(deployment, jobId);
  return {
    state,
    runs,
    nextFires: upcomingFires(state, nowMs, options.nextFires ?? 3),
    holder: state.lease?.holderRunId ? state.lease : undefined,
    window: state.job?.alarms.failureRateWindow ?? JOB_DEFAULTS.failureRateWindow,
    nowMs,
  };
}

/** The error for a job id the deployment does not have, with where to look. */
export function jobNotFound(deployment: Deployment, jobId: string): NotFoundError {
  return new NotFoundError(
    `no job "${jobId}" on ${deployment.label}: agentcron jobs list shows the jobs there`,
  );
}
