import { FAILURE_STATUSES, type RunStatus } from "../runs/run-record.ts";

/**
 * Per-job health, updated when a run ends (and, for skips, when a fire bounces). Field report 1: a
 * job failing 3 runs in 5 must not look healthy because the last one passed — hence the window of
 * recent outcomes and the failure rate over it, beside the last status.
 */
export interface JobStats {
  readonly jobId: string;
  /** Runs ended so far; also the optimistic-concurrency version of the stats item. */
  readonly runsEnded: number;
  readonly lastStatus?: RunStatus;
  readonly lastRunId?: string;
  readonly lastEndedAt?: number;
  readonly consecutiveFailures: number;
  readonly consecutiveSkips: number;
  /** Oldest first; at most the job's failure-rate window long. */
  readonly recentOutcomes: readonly RunStatus[];
  /** Failures / runs over `recentOutcomes` (0 when there are none). */
  readonly failureRate: number;
  readonly firesSkipped: number;
  readonly firesBuffered: number;
  readonly firesRejected: number;
  /** Fires that came after their start deadline and were not run. */
  readonly firesMissed: number;
}

export function emptyStats(jobId: string): JobStats {
  return {
    jobId,
    runsEnded: 0,
    consecutiveFailures: 0,
    consecutiveSkips: 0,
    recentOutcomes: [],
    failureRate: 0,
    firesSkipped: 0,
    firesBuffered: 0,
    firesRejected: 0,
    firesMissed: 0,
  };
}

/**
 * The stats after one more run ended with `status`. A `cancelled` run (stopped by a `replace`
 * fire) is recorded but is neither a failure nor a success for the consecutive-failure count.
 */
export function recordRunOutcome(
  stats: JobStats,
  outcome: { status: RunStatus; runId: string; endedAt: number },
  window: number,
): JobStats {
  const recentOutcomes = [...stats.recentOutcomes, outcome.status].slice(-window);
  const failed = FAILURE_STATUSES.has(outcome.status);
  const consecutiveFailures = failed
    ? stats.consecutiveFailures + 1
    : outcome.status === "cancelled"
      ? stats.consecutiveFailures
      : 0;
  return {
    ...stats,
    runsEnded: stats.runsEnded + 1,
    lastStatus: outcome.status,
    lastRunId: outcome.runId,
    lastEndedAt: outcome.endedAt,
    consecutiveFailures,
    recentOutcomes,
    failureRate: failureRate(recentOutcomes),
  };
}

export function failureRate(outcomes: readonly RunStatus[]): number {
  if (outcomes.length === 0) return 0;
  const failures = outcomes.filter((status) => FAILURE_STATUSES.has(status)).length;
  return failures / outcomes.length;
}
