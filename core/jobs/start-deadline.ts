import { nextFireTimes } from "./next-fire.ts";
import type { ScheduleExpression } from "./schedule-expression.ts";

/** A queued run always has at least this long to start: the sweeper runs once a minute and must
 * get a chance to hand a lost run off again before the run's time is up. */
export const MIN_DEFAULT_START_DEADLINE_SECONDS = 120;
/** And at most this long by default: a run that waited a quarter of an hour is usually stale. */
export const MAX_DEFAULT_START_DEADLINE_SECONDS = 900;

// A fixed reference, so the default (and therefore validation) does not depend on today's date.
const REFERENCE_MS = Date.UTC(2026, 0, 5);

/**
 * The shortest gap between consecutive fires of `schedule` (sampled over its next fires from a fixed
 * reference), or undefined when it fires at most once.
 */
export function shortestPeriodSeconds(schedule: ScheduleExpression): number | undefined {
  if (schedule.kind === "rate") return schedule.periodMs / 1000;
  const fires = nextFireTimes(schedule, REFERENCE_MS, 12);
  let shortest: number | undefined;
  for (let index = 1; index < fires.length; index++) {
    const gap = ((fires[index] as Date).getTime() - (fires[index - 1] as Date).getTime()) / 1000;
    shortest = shortest === undefined ? gap : Math.min(shortest, gap);
  }
  return shortest;
}

/**
 * The default start deadline of a job (DESIGN invariant 9): the schedule's period, kept between 2
 * and 15 minutes. A run that has not started by then has missed its slot — the next fire is due, or
 * it waited long enough to be stale — and ends as `not-started` with the reason.
 */
export function defaultStartDeadlineSeconds(schedule: ScheduleExpression | undefined): number {
  const period = schedule ? shortestPeriodSeconds(schedule) : undefined;
  if (period === undefined) return MAX_DEFAULT_START_DEADLINE_SECONDS;
  return Math.min(MAX_DEFAULT_START_DEADLINE_SECONDS, Math.max(MIN_DEFAULT_START_DEADLINE_SECONDS, period));
}
