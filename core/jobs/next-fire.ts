/**
 * When a schedule fires next: EventBridge rules (every schedule in UTC) and EventBridge Scheduler
 * (cron in a time zone, one-time `at()`), at minute granularity for cron and rate.
 *
 * Daylight saving time follows what EventBridge Scheduler documents: a cron time the clocks skip
 * when they spring forward does not fire that day; a cron time the clocks show twice when they
 * fall back fires once — at its first occurrence (still on summer time). Rate schedules count
 * elapsed time and ignore the zone.
 */
import awsCronParser from "aws-cron-parser";
import type { CronFields, LocalDateTime, ScheduleExpression } from "./schedule-expression.ts";
import { instantsAtWallTime, UTC, wallTimeAt } from "./time-zone.ts";

const MINUTE_MS = 60_000;

export interface NextFireOptions {
  /**
   * When the rate rule was created (epoch ms). EventBridge counts rate periods from the rule's
   * creation, not from midnight; the default (the epoch) aligns fires to whole periods in UTC.
   */
  rateAnchorMs?: number;
  /** The IANA zone cron and at() schedules are read in. @default "UTC" */
  timezone?: string;
}

/**
 * The next `count` times `schedule` fires strictly after `after`, in order. Returns fewer than
 * `count` dates when a schedule runs out (a cron year field ends, or 2199; a one-time schedule
 * whose time has passed).
 *
 * A rate schedule fires at `rateAnchorMs + k × period` for k ≥ 1 (the first fire comes one period
 * after the rule is created), truncated to the minute. A cron schedule fires at whole minutes of
 * the zone's wall clock (see the module comment for DST). An at() schedule fires once, at the
 * first instant its wall time occurs in the zone; never if the clocks skip it.
 *
 * @throws RangeError when `after` or `rateAnchorMs` is not a valid time or `count` is not a whole number ≥ 0.
 */
export function nextFireTimes(
  schedule: ScheduleExpression,
  after: Date | number,
  count: number,
  options: NextFireOptions = {},
): Date[] {
  const afterMs = toEpochMs(after, "after");
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  const timezone = options.timezone ?? UTC;
  switch (schedule.kind) {
    case "rate": {
      const anchorMs = toEpochMs(options.rateAnchorMs ?? 0, "rateAnchorMs");
      return nextRateFires(schedule.periodMs, anchorMs, afterMs, count);
    }
    case "at": {
      const at = oneTimeInstant(schedule.at, timezone);
      return at !== undefined && at > afterMs && count > 0 ? [new Date(at)] : [];
    }
    case "cron":
      return timezone === UTC
        ? nextCronFires(schedule.fields, afterMs, count)
        : nextZonedCronFires(schedule.fields, afterMs, count, timezone);
  }
}

/**
 * The first time `schedule` fires strictly after `after`, or undefined when it never fires again.
 *
 * @throws RangeError when `after` or `rateAnchorMs` is not a valid time.
 */
export function nextFireTime(
  schedule: ScheduleExpression,
  after: Date | number,
  options: NextFireOptions = {},
): Date | undefined {
  return nextFireTimes(schedule, after, 1, options)[0];
}

/**
 * The instant a one-time schedule fires: its wall time in `timezone`, at the first occurrence when
 * the clocks show it twice; undefined when the clocks skip it (the job schema refuses such a time).
 */
export function oneTimeInstant(at: LocalDateTime, timezone = UTC): number | undefined {
  const wallMs = Date.UTC(at.year, at.month - 1, at.day, at.hour, at.minute, at.second);
  return instantsAtWallTime(wallMs, timezone)[0];
}

/**
 * The canonical scheduled time used in fire keys: ISO-8601 UTC truncated to the minute, without
 * milliseconds (`2026-11-22T04:00:00Z`). This is the shape of the `time` field of the event
 * EventBridge delivers for a scheduled rule, so a fire computed here and a fire delivered by
 * EventBridge produce the same key.
 *
 * @throws RangeError when `date` is not a valid time.
 */
export function scheduledTimeKey(date: Date | number): string {
  const minuteMs = Math.floor(toEpochMs(date, "date") / MINUTE_MS) * MINUTE_MS;
  return `${new Date(minuteMs).toISOString().slice(0, 19)}Z`;
}

/**
 * Cron in a time zone: the UTC evaluator runs on the zone's wall clock, and each wall time it
 * yields becomes the instant(s) the zone's clocks show it — none (skipped), or the first of two.
 * A candidate at or before `afterMs` (possible while the clocks repeat an hour) is passed over.
 */
function nextZonedCronFires(fields: CronFields, afterMs: number, count: number, timezone: string): Date[] {
  const fires: Date[] = [];
  let cursorWall = wallTimeAt(afterMs, timezone);
  // Each step advances the wall-clock cursor, and the evaluator ends (2199): the loop terminates.
  while (fires.length < count) {
    const [candidate] = nextCronFires(fields, cursorWall, 1);
    if (candidate === undefined) break;
    cursorWall = candidate.getTime();
    const instant = instantsAtWallTime(cursorWall, timezone)[0];
    if (instant !== undefined && instant > afterMs) fires.push(new Date(instant));
  }
  return fires;
}

function nextRateFires(periodMs: number, anchorMs: number, afterMs: number, count: number): Date[] {
  // A period is a whole number of minutes, so truncating the anchor truncates every fire.
  const anchorMinuteMs = Math.floor(anchorMs / MINUTE_MS) * MINUTE_MS;
  const firstIndex = Math.max(1, Math.floor((afterMs - anchorMinuteMs) / periodMs) + 1);
  return Array.from({ length: count }, (_, i) => new Date(anchorMinuteMs + (firstIndex + i) * periodMs));
}

/**
 * aws-cron-parser 1.1.x gets the minute/hour/month/year search right but its day-of-month and
 * day-of-week handling is unreliable: a day beyond the month's end rolls over (`31` in April yields
 * May 1), `LW` and `30W` in February throw, `L` alone in day-of-week throws, `nL` is computed with
 * local-time dates (wrong across a DST change when the process is not on UTC), and `#`
 * combinations that match rarely exhaust its 10-step recursion limit and throw. So the library is
 * given every day (`* ?`) and the day rules are applied here, in UTC; a rejected candidate skips
 * the rest of its day.
 */
function nextCronFires(fields: CronFields, afterMs: number, count: number): Date[] {
  const everyDay = awsCronParser.parse(
    [fields.minutes, fields.hours, "*", fields.month, "?", fields.year]
      .map((field) => (typeof field === "string" ? field : field.join(",")))
      .join(" "),
  );
  const fires: Date[] = [];
  let cursor = new Date(afterMs);
  while (fires.length < count) {
    const candidate = awsCronParser.next(everyDay, cursor);
    if (candidate === null) break;
    if (firesOnDay(fields, candidate)) {
      fires.push(candidate);
      cursor = candidate;
    } else {
      cursor = new Date(startOfNextUtcDay(candidate) - MINUTE_MS);
    }
  }
  return fires;
}

function firesOnDay(fields: CronFields, date: Date): boolean {
  const year = date.getUTCFullYear();
  const monthIndex = date.getUTCMonth();
  const day = date.getUTCDate();
  const lastDay = daysInMonth(year, monthIndex);
  const { dayOfMonth, dayOfWeek } = fields;
  switch (dayOfMonth.kind) {
    case "days":
      return dayOfMonth.days.includes(day);
    case "last-day":
      return day === lastDay;
    case "last-weekday":
      return day === nearestWeekday(year, monthIndex, lastDay);
    case "nearest-weekday":
      // Like a plain day number, "31W" does not fire in a month that has no 31st.
      return dayOfMonth.day <= lastDay && day === nearestWeekday(year, monthIndex, dayOfMonth.day);
    case "any":
      break;
  }
  const weekday = date.getUTCDay() + 1; // EventBridge numbers SUNDAY 1, JavaScript 0
  switch (dayOfWeek.kind) {
    case "days":
      return dayOfWeek.days.includes(weekday);
    case "last":
      return weekday === dayOfWeek.day && day + 7 > lastDay;
    case "nth":
      return weekday === dayOfWeek.day && Math.ceil(day / 7) === dayOfWeek.occurrence;
    case "any":
      return true;
  }
}

/** The Monday-Friday nearest `day`, never crossing into another month (Quartz `W` semantics). */
function nearestWeekday(year: number, monthIndex: number, day: number): number {
  const weekday = new Date(Date.UTC(year, monthIndex, day)).getUTCDay();
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === daysInMonth(year, monthIndex) ? day - 2 : day + 1;
  return day;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

function startOfNextUtcDay(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
}

function toEpochMs(time: Date | number, name: string): number {
  const ms = typeof time === "number" ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not a valid time: ${String(time)}`);
  return ms;
}
