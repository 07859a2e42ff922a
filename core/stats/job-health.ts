import type { JobDefinition } from "../jobs/job-schema.ts";
import { FAILURE_STATUSES, type RunStatus } from "../runs/run-record.ts";
import type { JobStats } from "./job-stats.ts";

/** How an operator invokes the CLI; every reason names the first command to run. */
export const OPERATOR_CLI = "npx agentcron";

export type JobHealthState = "healthy" | "unhealthy";

/** Why a job is unhealthy, most serious first (the order `evaluateJobHealth` lists them in). */
export const HEALTH_REASON_CODES = [
  "consecutive-failures",
  "failure-rate",
  "no-completed-run",
  "consecutive-skips",
] as const;
export type HealthReasonCode = (typeof HEALTH_REASON_CODES)[number];

export interface HealthReason {
  readonly code: HealthReasonCode;
  /** What the stats show, in words (`6 of its last 10 runs failed (60%, threshold 50%)`). */
  readonly message: string;
  /** The first command an operator should run for this reason. */
  readonly firstCommand: string;
}

/** The thresholds that decide a job's health: the job's `alarms` block. */
export type JobHealthPolicy = JobDefinition["alarms"];

/**
 * A job that recovers must have this many successful runs in a row (its window permitting) before
 * it is healthy again, so a failure rate that hovers at its threshold does not flap.
 */
export const RECOVERY_RUNS = 2;

export interface JobHealthVerdict {
  readonly state: JobHealthState;
  /** Why it is unhealthy now (empty when healthy, or when recovering but not yet recovered). */
  readonly reasons: readonly HealthReason[];
}

/**
 * A job's health from the stats the engine already keeps (DESIGN: a job failing 3 runs in 5 must
 * not look healthy because the last one passed; a job whose runs never complete is unhealthy
 * whatever the reason). A job is unhealthy when any of these hold:
 * - its last `consecutiveFailures` runs failed (failed, stalled, timed out, abandoned — any status
 *   the engine counts as a failure);
 * - at least `minRuns` runs are in its window and `failureRateThreshold` of them failed;
 * - none of its last `minRuns` runs completed — cancelled by `replace`, not started, failed: a job
 *   whose 15 runs were all cancelled has a failure rate of 0 % and has done nothing;
 * - its last `consecutiveSkips` fires were skipped (overlap `skip`): it is not running on schedule.
 *
 * Once unhealthy it stays so until no reason holds *and* its last {@link RECOVERY_RUNS} runs
 * succeeded: one success between failures is not a recovery.
 */
export function evaluateJobHealth(
  stats: JobStats,
  policy: JobHealthPolicy,
  current: JobHealthState,
): JobHealthVerdict {
  const reasons = healthReasons(stats, policy);
  if (reasons.length > 0) return { state: "unhealthy", reasons };
  if (current === "healthy" || hasRecovered(stats.recentOutcomes, policy)) {
    return { state: "healthy", reasons: [] };
  }
  return { state: "unhealthy", reasons: [] };
}

/** Every reason that holds for these stats, most serious first. */
export function healthReasons(stats: JobStats, policy: JobHealthPolicy): HealthReason[] {
  const { jobId } = stats;
  const reasons: HealthReason[] = [];
  const outcomes = stats.recentOutcomes;

  if (stats.consecutiveFailures >= policy.consecutiveFailures) {
    const last = stats.lastStatus && FAILURE_STATUSES.has(stats.lastStatus) ? stats.lastStatus : "failed";
    reasons.push({
      code: "consecutive-failures",
      message: `its last ${stats.consecutiveFailures} runs failed in a row (threshold ${policy.consecutiveFailures}; the latest ${describeStatus(last)})`,
      firstCommand: `${OPERATOR_CLI} runs ${jobId} --status ${last}`,
    });
  }

  if (outcomes.length >= policy.minRuns && stats.failureRate >= policy.failureRateThreshold) {
    const failures = outcomes.filter((status) => FAILURE_STATUSES.has(status)).length;
    reasons.push({
      code: "failure-rate",
      message: `${failures} of its last ${outcomes.length} runs failed (${percent(stats.failureRate)}, threshold ${percent(policy.failureRateThreshold)}), even if the latest passed`,
      firstCommand: `${OPERATOR_CLI} runs ${jobId}`,
    });
  }

  const withoutSuccess = trailingRunsWithoutSuccess(outcomes);
  if (withoutSuccess.length >= policy.minRuns) {
    reasons.push({
      code: "no-completed-run",
      message: `none of its last ${withoutSuccess.length} runs completed (${breakdown(withoutSuccess)})`,
      firstCommand: `${OPERATOR_CLI} runs ${jobId}`,
    });
  }

  if (stats.consecutiveSkips >= policy.consecutiveSkips) {
    reasons.push({
      code: "consecutive-skips",
      message: `its last ${stats.consecutiveSkips} fires were skipped because a run was still going (overlap "skip"): it is not running on schedule`,
      firstCommand: `${OPERATOR_CLI} jobs show ${jobId}`,
    });
  }
  return reasons;
}

/** The first command to run for a verdict: the most serious reason's, or `jobs show`. */
export function firstCommandOf(jobId: string, reasons: readonly HealthReason[]): string {
  return reasons[0]?.firstCommand ?? `${OPERATOR_CLI} jobs show ${jobId}`;
}

/** The newest outcomes that are not `succeeded`, oldest first. */
function trailingRunsWithoutSuccess(outcomes: readonly RunStatus[]): RunStatus[] {
  const lastSuccess = outcomes.lastIndexOf("succeeded");
  return outcomes.slice(lastSuccess + 1);
}

function hasRecovered(outcomes: readonly RunStatus[], policy: JobHealthPolicy): boolean {
  const needed = Math.min(RECOVERY_RUNS, policy.failureRateWindow);
  const tail = outcomes.slice(-needed);
  return tail.length === needed && tail.every((status) => status === "succeeded");
}

/** `3 cancelled, 2 failed`: most frequent first. */
function breakdown(statuses: readonly RunStatus[]): string {
  const counts = new Map<RunStatus, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([status, count]) => `${count} ${status}`)
    .join(", ");
}

function describeStatus(status: RunStatus): string {
  return status === "timed-out" ? "timed out" : status;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
