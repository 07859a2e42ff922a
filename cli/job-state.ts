import { unhealthyJobFromItem } from "#adapters/dynamodb/health-store.ts";
import { keys } from "#adapters/dynamodb/keys.ts";
import { batchGet, keyOf } from "#adapters/dynamodb/reads.ts";
import { leaseFromItem, statsFromItem } from "#adapters/dynamodb/records.ts";
import { listLocalRules } from "#adapters/local-schedules/table-schedules.ts";
import type { ValidationIssue } from "#core/errors.ts";
import { type JobDefinition, type JobValidationContext, validateJob } from "#core/jobs/job-schema.ts";
import { nextFireTimes } from "#core/jobs/next-fire.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import { isExpired, type LeaseState } from "#core/leases/lease.ts";
import type { StoredJob, UnhealthyJobRecord } from "#core/ports.ts";
import type { JobStats } from "#core/stats/job-stats.ts";
import type { Deployment } from "./target.ts";

/** A stored job with what the CLI shows beside it. */
export interface JobState {
  readonly stored: StoredJob;
  /**
   * The definition with defaults, validated admitting an unregistered harness (undefined when even
   * that fails); `issues` says whether it is valid in this deployment as it is.
   */
  readonly job?: JobDefinition;
  readonly issues: readonly ValidationIssue[];
  readonly enabled: boolean;
  readonly lease?: LeaseState;
  readonly stats?: JobStats;
  /** Present while the job is unhealthy: since when, and why (core/stats/job-health.ts). */
  readonly unhealthy?: UnhealthyJobRecord;
  /** Rate rules count from their creation; known for local rules only. */
  readonly rateAnchorMs?: number;
}

/**
 * Every stored job with its lease, stats and health (one batch read), validated against this deployment:
 * a job naming an unregistered harness is still shown (validated leniently for its fields), with
 * the issue that makes it invalid here.
 */
export async function readJobStates(deployment: Deployment, only?: string): Promise<JobState[]> {
  const { store } = deployment;
  // The local rules do not depend on the jobs: read them alongside (one round trip less).
  const rules = deployment.kind !== "aws" ? listLocalRules(store.table) : Promise.resolve([]);
  rules.catch(() => {}); // observed below; not unhandled if a read before it fails first
  const stored = only
    ? [await store.jobs.getJob(only)].filter((job): job is StoredJob => job !== undefined)
    : await store.jobs.listJobs();
  const wanted = stored.flatMap((job) => [
    keys.lease(job.jobId),
    keys.stats(job.jobId),
    keys.unhealthyJob(job.jobId),
  ]);
  const found =
    wanted.length > 0 ? await batchGet(store.table, wanted) : new Map<string, Record<string, unknown>>();
  const anchors = new Map((await rules).map((rule) => [rule.jobId, rule.anchorMs]));
  return stored
    .map((job) => {
      const strict = validateJob(job.spec, deployment.validation);
      const lenient = strict.ok ? strict : validateJob(job.spec, lenientValidation(deployment.validation));
      const lease = found.get(keyOf(keys.lease(job.jobId)));
      const stats = found.get(keyOf(keys.stats(job.jobId)));
      const unhealthy = found.get(keyOf(keys.unhealthyJob(job.jobId)));
      return {
        stored: job,
        job: lenient.ok ? lenient.job : undefined,
        issues: strict.ok ? [] : strict.issues,
        enabled: lenient.ok ? lenient.job.enabled : job.spec.enabled !== false,
        lease: lease ? leaseFromItem(lease) : undefined,
        stats: stats ? statsFromItem(stats, job.jobId) : undefined,
        unhealthy: unhealthy ? unhealthyJobFromItem(unhealthy) : undefined,
        rateAnchorMs: anchors.get(job.jobId),
      };
    })
    .sort((a, b) => (a.stored.jobId < b.stored.jobId ? -1 : 1));
}

/** Validation that admits a harness this deployment does not register (to show and check such jobs). */
export function lenientValidation(validation: JobValidationContext): JobValidationContext {
  return { ...validation, admitUnregisteredHarness: true };
}

/**
 * The next `count` fires of a job, or undefined when they cannot be known: a paused job, an
 * invalid schedule, or a rate schedule whose anchor (its rule's creation) is unknown.
 */
export function upcomingFires(
  state: Pick<JobState, "stored" | "enabled" | "rateAnchorMs">,
  nowMs: number,
  count: number,
): Date[] | undefined {
  if (!state.enabled) return undefined;
  try {
    const schedule = parseScheduleExpression(String(state.stored.spec.schedule));
    if (schedule.kind === "rate" && state.rateAnchorMs === undefined) return undefined;
    const timezone = state.stored.spec.timezone;
    return nextFireTimes(schedule, nowMs, count, {
      rateAnchorMs: state.rateAnchorMs,
      timezone: typeof timezone === "string" ? timezone : undefined,
    });
  } catch {
    return undefined;
  }
}

/** The run holding the job now (a held lease that has not expired), if any. */
export function runningHolder(lease: LeaseState | undefined, nowMs: number): LeaseState | undefined {
  return lease?.holderRunId !== undefined && !isExpired(lease, nowMs) ? lease : undefined;
}
