import { nextFireTimes } from "../jobs/next-fire.ts";
import { parseScheduleExpression } from "../jobs/schedule-expression.ts";
import { UTC } from "../jobs/time-zone.ts";
import type { ScheduledJob } from "../ports.ts";

/** A fire delivered this long after its time no longer runs: the default ceiling. */
const DEFAULT_FIRE_DEADLINE_SECONDS = 15 * 60;
/** EventBridge Scheduler's bounds on a target's MaximumEventAgeInSeconds. */
const MIN_EVENT_AGE_SECONDS = 60;
const MAX_EVENT_AGE_SECONDS = 86_400;
/**
 * A fixed starting point for measuring a cron schedule's period, so the value is the same on every
 * deploy (a value that moved with the clock would rewrite every schedule each time).
 */
const PERIOD_REFERENCE_MS = Date.UTC(2026, 0, 1);

/**
 * How long after its scheduled time a fire may still be delivered (the schedule's retry policy's
 * maximum event age), in seconds: the job's `startDeadlineSeconds` when it sets one, else the
 * smaller of its period and 15 minutes — a fire later than its next one is better dropped (and
 * recorded missed) than run out of order. Within Scheduler's 60 s - 24 h.
 */
export function fireDeadlineSeconds(
  job: Pick<ScheduledJob, "schedule" | "timezone"> & { readonly startDeadlineSeconds?: unknown },
): number {
  const explicit = typeof job.startDeadlineSeconds === "number" ? job.startDeadlineSeconds : undefined;
  const seconds =
    explicit ?? Math.min(DEFAULT_FIRE_DEADLINE_SECONDS, periodSecondsOf(job) ?? Number.POSITIVE_INFINITY);
  return Math.min(MAX_EVENT_AGE_SECONDS, Math.max(MIN_EVENT_AGE_SECONDS, Math.floor(seconds)));
}

/** The shortest gap between fires of a recurring schedule, in seconds; undefined for at() or an invalid one. */
export function periodSecondsOf(job: Pick<ScheduledJob, "schedule" | "timezone">): number | undefined {
  let schedule: ReturnType<typeof parseScheduleExpression>;
  try {
    schedule = parseScheduleExpression(job.schedule);
  } catch {
    return undefined;
  }
  if (schedule.kind === "rate") return schedule.periodMs / 1000;
  if (schedule.kind === "at") return undefined;
  const fires = nextFireTimes(schedule, PERIOD_REFERENCE_MS, 8, { timezone: job.timezone ?? UTC });
  let shortest: number | undefined;
  for (let i = 1; i < fires.length; i++) {
    const gap = ((fires[i]?.getTime() ?? 0) - (fires[i - 1]?.getTime() ?? 0)) / 1000;
    shortest = shortest === undefined ? gap : Math.min(shortest, gap);
  }
  return shortest;
}
