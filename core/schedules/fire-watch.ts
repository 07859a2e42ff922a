import { createHash } from "node:crypto";
import { JOB_DEFAULTS } from "../jobs/job-schema.ts";
import { nextFireTime } from "../jobs/next-fire.ts";
import { parseScheduleExpression, type ScheduleExpression } from "../jobs/schedule-expression.ts";
import { instantsAtWallTime, UTC, wallTimeAt } from "../jobs/time-zone.ts";
import type { FireWatch, ScheduledJob } from "../ports.ts";
import { fireDeadlineSeconds } from "./fire-deadline.ts";

/**
 * The expected fires of a job (DESIGN invariant 12), as pure functions over a {@link FireWatch}:
 * when it is armed, which window of scheduled times counts as "its fire arrived", when it is due
 * for a check, and what comes after.
 *
 * A fire is checked once its time plus the grace has passed. The grace is the job's start deadline
 * (a fire later than that could not run anyway: dispatch records it missed) plus its flexible
 * window (Scheduler may deliver that late on purpose) plus a margin for a fire in flight.
 */

/** Time for a fire already on its way (in the queue, in dispatch) to be recorded. */
export const ARRIVAL_MARGIN_MS = 30_000;
/** Fire keys are minute-truncated scheduled times: a fire "at" T is recorded within T's minute. */
const MINUTE_MS = 60_000;

/** The grace of a job's fires (see the module comment). */
export function graceMsOf(
  job: Pick<ScheduledJob, "schedule" | "flexibleWindowMinutes" | "startDeadlineSeconds">,
): number {
  return fireDeadlineSeconds(job) * 1000 + (job.flexibleWindowMinutes ?? 0) * MINUTE_MS + ARRIVAL_MARGIN_MS;
}

/** Identity of what an expectation depends on: arming again with the same key keeps it. */
export function timingKeyOf(job: ScheduledJob): string {
  const text = JSON.stringify([job.schedule, job.timezone ?? UTC, job.enabled, graceMsOf(job)]);
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * The watch of `job` armed at `nowMs`: its next expected fire from now (rate schedules count from
 * now: EventBridge counts from the rule's creation, which is about when it was reconciled), keeping
 * what `previous` knew (arrivals, misses). Undefined expectation: paused, or a one-time job whose
 * time has passed.
 */
export function armedWatch(job: ScheduledJob, nowMs: number, previous?: FireWatch): FireWatch {
  const timezone = job.timezone ?? UTC;
  const base = {
    jobId: job.id,
    schedule: job.schedule,
    timezone,
    enabled: job.enabled,
    graceMs: graceMsOf(job),
    historyRetentionDays: job.historyRetentionDays ?? JOB_DEFAULTS.historyRetentionDays,
    timingKey: timingKeyOf(job),
    armedAt: nowMs,
    missedCount: previous?.missedCount ?? 0,
    ...(previous?.lastArrivedAt !== undefined ? { lastArrivedAt: previous.lastArrivedAt } : {}),
    ...(previous?.lastMissedAt !== undefined
      ? { lastMissedAt: previous.lastMissedAt, lastMissedState: previous.lastMissedState }
      : {}),
    ...(previous?.oneTimeFiredAt !== undefined ? { oneTimeFiredAt: previous.oneTimeFiredAt } : {}),
  };
  const schedule = tryParse(job.schedule);
  if (!job.enabled || !schedule) return base;
  const expectedAt =
    schedule.kind === "rate"
      ? nowMs + schedule.periodMs
      : nextFireTime(schedule, nowMs, { timezone })?.getTime();
  return expectedAt === undefined ? base : { ...base, expectedAt };
}

/**
 * The scheduled times that count as the expected fire having arrived: its minute (a cron or at()
 * fire's key is its time); for a time the clocks show twice (fall back), through the second
 * occurrence too, in case the scheduler fires at that one; for a rate schedule, anything since the
 * previous expected fire (its exact times follow the rule's creation, which is not known).
 */
export function arrivalWindowOf(watch: FireWatch & { expectedAt: number }): { fromMs: number; toMs: number } {
  const schedule = tryParse(watch.schedule);
  if (schedule?.kind === "rate") {
    // From the minute after the previous expected fire: that one must not count again.
    return {
      fromMs: watch.expectedAt - schedule.periodMs + MINUTE_MS,
      toMs: watch.expectedAt + MINUTE_MS - 1,
    };
  }
  return { fromMs: watch.expectedAt, toMs: watch.expectedAt + repeatedHourMs(watch) + MINUTE_MS - 1 };
}

/** When the expected fire is checked (the index's sort key), or undefined when none is expected. */
export function dueAtOf(watch: FireWatch): number | undefined {
  if (!watch.enabled || watch.expectedAt === undefined) return undefined;
  return watch.expectedAt + repeatedHourMs({ ...watch, expectedAt: watch.expectedAt }) + watch.graceMs;
}

/** The fire expected after one at `scheduledAt` (arrived or not); undefined when none is. */
export function nextExpectedAfter(watch: FireWatch, scheduledAt: number): number | undefined {
  const schedule = tryParse(watch.schedule);
  if (!schedule || schedule.kind === "at") return undefined;
  if (schedule.kind === "rate") return scheduledAt + schedule.periodMs;
  return nextFireTime(schedule, scheduledAt, { timezone: watch.timezone })?.getTime();
}

export function isOneTime(watch: Pick<FireWatch, "schedule">): boolean {
  return tryParse(watch.schedule)?.kind === "at";
}

/** How much later the same wall time comes again when the clocks fall back over it; else 0. */
function repeatedHourMs(watch: FireWatch & { expectedAt: number }): number {
  if (watch.timezone === UTC) return 0;
  const instants = instantsAtWallTime(wallTimeAt(watch.expectedAt, watch.timezone), watch.timezone);
  const [first, second] = instants;
  return first === watch.expectedAt && second !== undefined ? second - first : 0;
}

function tryParse(schedule: string): ScheduleExpression | undefined {
  try {
    return parseScheduleExpression(schedule);
  } catch {
    return undefined;
  }
}
