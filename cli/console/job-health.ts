import { JOB_DEFAULTS } from "#core/jobs/job-schema.ts";
import { isExpired } from "#core/leases/lease.ts";
import type { JobState } from "../job-state.ts";

/** How a job looks at a glance on the jobs page, worst first. */
export type HealthLevel = "bad" | "warn" | "ok" | "idle";

export interface JobHealth {
  readonly level: HealthLevel;
  /** One or two words: `failing`, `invalid`, `healthy`... */
  readonly label: string;
  /** Why, in a sentence (the badge's tooltip and the job page's health line). */
  readonly reason: string;
}

/**
 * A job's health from what the CLI already reads — validity, enabled, the lease, the stats — and
 * the job's own alarm thresholds: the same conditions its CloudWatch alarms watch, so the console
 * and the alarms agree.
 */
export function jobHealth(state: JobState, nowMs: number): JobHealth {
  if (state.issues.length > 0) {
    return {
      level: "bad",
      label: "invalid",
      reason: `invalid in this deployment: ${state.issues[0]?.path}: ${state.issues[0]?.message}`,
    };
  }
  const alarms = state.job?.alarms;
  const stats = state.stats;
  const threshold = alarms?.failureRateThreshold ?? JOB_DEFAULTS.failureRateThreshold;
  const failureStreak = alarms?.consecutiveFailures ?? JOB_DEFAULTS.consecutiveFailures;
  const skipStreak = alarms?.consecutiveSkips ?? JOB_DEFAULTS.consecutiveSkips;
  const lease = state.lease;
  if (lease?.holderRunId !== undefined && isExpired(lease, nowMs)) {
    return {
      level: "bad",
      label: "stuck",
      reason: `run ${lease.holderRunId} holds the job past its lease (no heartbeat): the sweeper ends it and frees the job`,
    };
  }
  if (stats && stats.consecutiveFailures >= failureStreak) {
    return {
      level: "bad",
      label: "failing",
      reason: `${stats.consecutiveFailures} runs failed in a row (alarm at ${failureStreak})`,
    };
  }
  if (stats && stats.recentOutcomes.length > 0 && stats.failureRate >= threshold) {
    return {
      level: "bad",
      label: "failing",
      reason: `${Math.round(stats.failureRate * 100)}% of the last ${stats.recentOutcomes.length} runs failed (alarm at ${Math.round(threshold * 100)}%)`,
    };
  }
  if (stats && stats.consecutiveSkips >= skipStreak) {
    return {
      level: "warn",
      label: "fires bounced",
      reason: `${stats.consecutiveSkips} fires in a row found the job busy and were skipped (alarm at ${skipStreak})`,
    };
  }
  if (!state.enabled) return { level: "idle", label: "paused", reason: "paused: it gets no fires" };
  if (!stats || stats.runsEnded === 0) {
    return { level: "idle", label: "no runs yet", reason: "no run has ended yet" };
  }
  if (stats.consecutiveFailures > 0) {
    return {
      level: "warn",
      label: "last run failed",
      reason: `the last run ${stats.lastStatus ?? "failed"}; ${Math.round(stats.failureRate * 100)}% of the last ${stats.recentOutcomes.length} failed`,
    };
  }
  return {
    level: "ok",
    label: "healthy",
    reason: `${Math.round(stats.failureRate * 100)}% of the last ${stats.recentOutcomes.length} runs failed`,
  };
}
