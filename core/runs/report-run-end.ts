import type { Logger } from "../logger.ts";
import { METRICS, RUN_END_METRICS } from "../metric-names.ts";
import type { LifecycleEvents, Metrics } from "../ports.ts";
import type { JobHealthPolicy } from "../stats/job-health.ts";
import type { JobStats } from "../stats/job-stats.ts";
import { type HealthTracking, trackJobHealthSafely } from "../stats/track-job-health.ts";
import { FAILURE_STATUSES, type PhaseName, type TerminalRunStatus } from "./run-record.ts";

export interface RunEndReport {
  readonly jobId: string;
  readonly runId: string;
  readonly status: TerminalRunStatus;
  readonly phase?: PhaseName;
  readonly reason?: string;
  readonly stats: JobStats;
  /** The job's health thresholds (its `alarms` block, or the defaults when it is gone). */
  readonly healthPolicy: JobHealthPolicy;
  readonly at: number;
}

/**
 * Tells operators a run ended: the status count, the job's rolling failure rate and streaks, the
 * stage's share of failed runs, a lifecycle event — and the job's health, re-evaluated from its new
 * stats (a change is recorded and sent to the alarm topic). Whoever ended the run — the turn itself
 * or the sweeper — reports the same way.
 */
export async function reportRunEnd(
  deps: { metrics: Metrics; events: LifecycleEvents; log: Logger; health: HealthTracking },
  report: RunEndReport,
): Promise<void> {
  const dimensions = { jobId: report.jobId };
  deps.metrics.add(RUN_END_METRICS[report.status], 1, "Count", dimensions);
  deps.metrics.add(METRICS.failedRunRatio, FAILURE_STATUSES.has(report.status) ? 1 : 0, "Count");
  deps.metrics.add(METRICS.jobFailureRate, Math.round(report.stats.failureRate * 100), "Percent", dimensions);
  deps.metrics.add(METRICS.consecutiveFailures, report.stats.consecutiveFailures, "Count", dimensions);
  try {
    await deps.events.publish([
      {
        type: `run.${report.status}`,
        jobId: report.jobId,
        runId: report.runId,
        status: report.status,
        phase: report.phase,
        reason: report.reason,
        at: report.at,
      },
    ]);
  } catch (error) {
    // The run's outcome is already stored; a lost notification must not turn into a retry of it.
    deps.log.error("could not publish the run lifecycle event", {
      runId: report.runId,
      error: String(error),
    });
  }
  await trackJobHealthSafely(deps, { stats: report.stats, policy: report.healthPolicy, nowMs: report.at });
}
