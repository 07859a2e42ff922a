import { DEFAULT_ALARM_SETTINGS } from "#core/jobs/job-schema.ts";
import { isExpired } from "#core/leases/lease.ts";
import { evaluateJobHealth, type HealthReason } from "#core/stats/job-health.ts";
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
 * the job's health verdict (core/stats/job-health.ts: its stored record when it is unhealthy, else
 * judged from its stats with its own thresholds), so the console, `jobs list` and the alarm topic
 * agree.
 */
export function jobHealth(state: JobState, nowMs: number): JobHealth {
  if (state.issues.length > 0) {
    return {
      level: "bad",
      label: "invalid",
      reason: `invalid in this deployment: ${state.issues[0]?.path}: ${state.issues[0]?.message}`,
    };
  }
  const stats = state.stats;
  const lease = state.lease;
  if (lease?.holderRunId !== undefined && isExpired(lease, nowMs)) {
    return {
      level: "bad",
      label: "stuck",
      reason: `run ${lease.holderRunId} holds the job past its lease (no heartbeat): the sweeper ends it and frees the job`,
    };
  }
  const reasons: readonly HealthReason[] = state.unhealthy
    ? state.unhealthy.reasons
    : stats
      ? evaluateJobHealth(stats, state.job?.alarms ?? DEFAULT_ALARM_SETTINGS, "healthy").reasons
      : [];
  const worst = reasons[0];
  if (worst) {
    const label =
      worst.code === "consecutive-skips"
        ? "fires bounced"
        : worst.code === "no-completed-run"
          ? "not completing"
          : "failing";
    return { level: "bad", label, reason: reasons.map((reason) => reason.message).join("; ") };
  }
  if (state.unhealthy) {
    return {
      level: "warn",
      label: "recovering",
      reason: "unhealthy until its last two runs succeed",
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
