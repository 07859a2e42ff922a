import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type { HealthBasis, HealthNotifications, JobHealthNotice, JobHealthStore, Metrics } from "../ports.ts";
import {
  evaluateJobHealth,
  firstCommandOf,
  type HealthReason,
  type JobHealthPolicy,
  type JobHealthState,
} from "./job-health.ts";
import type { JobStats } from "./job-stats.ts";

/** Where health lives and who hears about it: one field, so every engine path wires it alike. */
export interface HealthTracking {
  readonly store: JobHealthStore;
  readonly notifications: HealthNotifications;
}

export interface JobHealthDependencies {
  readonly health: HealthTracking;
  readonly log: Logger;
}

export type JobHealthTransition =
  | { readonly kind: "became-unhealthy"; readonly reasons: readonly HealthReason[] }
  | { readonly kind: "recovered"; readonly unhealthyFor: number };

/**
 * Re-evaluates a job's health from stats just written (a run ended, a fire was skipped) and, when
 * it changes, records the new state with a conditional write and tells operators — once: of two
 * writers that see the same transition, the one whose write lands notifies. A verdict made from
 * older stats than the stored one changes nothing. Returns the transition this call made.
 *
 * A notification that cannot be sent is logged, not thrown: the state is already recorded, the
 * `UnhealthyJobs` metric (counted from the records) still raises the stage's alarm, and retrying
 * would repeat the caller's work.
 *
 * @throws when the health store cannot be read or written.
 */
export async function trackJobHealth(
  deps: JobHealthDependencies,
  input: { readonly stats: JobStats; readonly policy: JobHealthPolicy; readonly nowMs: number },
): Promise<JobHealthTransition | undefined> {
  const { stats, policy, nowMs } = input;
  const { jobId } = stats;
  const { store } = deps.health;
  const stored = await store.getUnhealthyJob(jobId);
  const current: JobHealthState = stored ? "unhealthy" : "healthy";
  const verdict = evaluateJobHealth(stats, policy, current);
  const basis: HealthBasis = { runsEnded: stats.runsEnded, firesSkipped: stats.firesSkipped };

  if (!stored && verdict.state === "unhealthy") {
    const made = await store.markUnhealthy({
      jobId,
      reasons: verdict.reasons,
      since: nowMs,
      updatedAt: nowMs,
      basis,
    });
    if (!made) return undefined;
    deps.log.warn("job unhealthy", { jobId, reasons: verdict.reasons.map((reason) => reason.message) });
    await notify(deps, {
      jobId,
      state: "unhealthy",
      reasons: verdict.reasons,
      firstCommand: firstCommandOf(jobId, verdict.reasons),
      since: nowMs,
      at: nowMs,
    });
    return { kind: "became-unhealthy", reasons: verdict.reasons };
  }

  if (stored && verdict.state === "healthy") {
    const removed = await store.markHealthy(jobId, basis);
    if (!removed) return undefined;
    deps.log.info("job healthy again", { jobId, unhealthySince: removed.since });
    await notify(deps, {
      jobId,
      state: "healthy",
      reasons: removed.reasons,
      firstCommand: firstCommandOf(jobId, []),
      since: removed.since,
      at: nowMs,
    });
    return { kind: "recovered", unhealthyFor: nowMs - removed.since };
  }

  // Still unhealthy: keep the reasons current for `jobs show`; while recovering (no reason holds
  // yet too few successes) the last reasons stay.
  if (stored && verdict.reasons.length > 0 && !sameReasons(stored.reasons, verdict.reasons)) {
    await store.updateReasons(jobId, verdict.reasons, basis, nowMs);
  }
  return undefined;
}

async function notify(deps: JobHealthDependencies, notice: JobHealthNotice): Promise<void> {
  try {
    await deps.health.notifications.publish(notice);
  } catch (error) {
    deps.log.error("could not send the job health notification", {
      jobId: notice.jobId,
      state: notice.state,
      error: String(error),
    });
  }
}

function sameReasons(a: readonly HealthReason[], b: readonly HealthReason[]): boolean {
  return a.length === b.length && a.every((reason, index) => reason.message === b[index]?.message);
}

/**
 * {@link trackJobHealth} for callers whose own work is already recorded (a run's end, a skipped
 * fire): a store error is logged, not thrown — the next run end or skip evaluates the job again.
 */
export async function trackJobHealthSafely(
  deps: JobHealthDependencies,
  input: Parameters<typeof trackJobHealth>[1],
): Promise<void> {
  try {
    await trackJobHealth(deps, input);
  } catch (error) {
    deps.log.error("could not evaluate the job's health", {
      jobId: input.stats.jobId,
      error: String(error),
    });
  }
}

/**
 * Publishes how many jobs are unhealthy now (`UnhealthyJobs`, counted from the records: O(unhealthy
 * jobs)). The sweeper calls it every minute, so the stage's `jobs-unhealthy` alarm follows the
 * records even if a transition's own report was lost. A failed count is logged, not thrown.
 */
export async function reportUnhealthyJobs(
  deps: JobHealthDependencies & { readonly metrics: Metrics },
): Promise<void> {
  try {
    deps.metrics.add(METRICS.unhealthyJobs, await deps.health.store.countUnhealthyJobs(), "Count");
  } catch (error) {
    deps.log.error("could not count the unhealthy jobs", { error: String(error) });
  }
}
