import {
  type CronFields,
  type DayOfMonthRule,
  type DayOfWeekRule,
  parseScheduleExpression,
} from "#core/jobs/schedule-expression.ts";

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const ORDINALS = ["first", "second", "third", "fourth", "fifth"];
/** Up to this many times of day are listed (`at 09:00, 13:00 and 17:00`); more are described. */
const MAX_LISTED_TIMES = 6;

/**
 * An EventBridge schedule expression in words, for people: `rate(5 minutes)` → "Every 5 minutes",
 * `cron(0 7 ? * MON-FRI *)` → "At 07:00 UTC, Monday to Friday". Cron schedules run in UTC and say
 * so whenever the time of day matters (or in the job's time zone, when it has one); a one-time at()
 * says its date. Text that is not a valid expression comes back as it is.
 */
export function describeSchedule(expression: string, timezone = "UTC"): string {
  let schedule: ReturnType<typeof parseScheduleExpression>;
  try {
    schedule = parseScheduleExpression(expression);
  } catch {
    return expression;
  }
  if (schedule.kind === "rate") {
    return schedule.value === 1 ? `Every ${schedule.unit}` : `Every ${schedule.value} ${schedule.unit}s`;
  }
  if (schedule.kind === "at") {
    const { year, month, day, hour, minute } = schedule.at;
    return `Once, on ${year}-${pad(month)}-${pad(day)} at ${pad(hour)}:${pad(minute)} ${timezone}`;
  }
  // Cron is read in the job's zone (EventBridge Scheduler); the words name it.
  const words = capitalize(describeCron(schedule.fields));
  return timezone === "UTC" ? words : words.replace(/UTC/g, timezone);
}

function describeCron(fields: CronFields): string {
  const everyDay = isEveryDay(fields);
  const everyMonth = fields.month.length === 12;
  const everyYear = fields.year.length === 2199 - 1970 + 1;
  const zoneMatters = fields.hours.length < 24 || !everyDay || !everyMonth || !everyYear;
  const parts = [describeTimes(fields.minutes, fields.hours, zoneMatters)];
  if (!everyDay) parts.push(describeDays(fields.dayOfMonth, fields.dayOfWeek));
  if (!everyMonth) parts.push(`in ${joinWords(fields.month.map((month) => MONTH_NAMES[month - 1] ?? "?"))}`);
  if (!everyYear) parts.push(`in ${joinWords(fields.year.map(String))}`);
  const text = parts.join(", ");
  return zoneMatters && !/UTC/.test(text) ? `${text} (UTC)` : text;
}

function describeTimes(minutes: number[], hours: number[], zoneMatters: boolean): string {
  const everyMinute = minutes.length === 60;
  const everyHour = hours.length === 24;
  const minuteStep = stepOf(minutes, 59);
  const hourStep = stepOf(hours, 23);
  const utc = zoneMatters ? " UTC" : "";
  if (everyMinute && everyHour) return "every minute";
  if (everyHour) {
    if (minuteStep) {
      return `every ${minuteStep.step} minutes${minuteStep.start > 0 ? ` from minute ${minuteStep.start} of each hour` : ""}`;
    }
    if (minutes.length === 1)
      return minutes[0] === 0 ? "every hour, on the hour" : `every hour at :${pad(minutes[0])}`;
    return `every hour at ${joinWords(minutes.map((minute) => `:${pad(minute)}`))}`;
  }
  if (minutes.length * hours.length <= MAX_LISTED_TIMES) {
    const times = hours.flatMap((hour) => minutes.map((minute) => `${pad(hour)}:${pad(minute)}`));
    return `at ${joinWords(times)}${utc}`;
  }
  const during = hourStep
    ? `every ${hourStep.step} hours from ${pad(hourStep.start)}:00${utc}`
    : `during the hours ${describeHourRanges(hours)}${utc}`;
  if (everyMinute) return `every minute, ${during}`;
  if (minuteStep) return `every ${minuteStep.step} minutes, ${during}`;
  if (hourStep && minutes.length === 1) {
    return `every ${hourStep.step} hours at :${pad(minutes[0])}, from ${pad(hourStep.start)}:${pad(minutes[0])}${utc}`;
  }
  return `at minute${minutes.length === 1 ? "" : "s"} ${joinWords(minutes.map(String))} past the hour, ${during}`;
}

function isEveryDay(fields: CronFields): boolean {
  const { dayOfMonth, dayOfWeek } = fields;
  if (dayOfMonth.kind === "any") return dayOfWeek.kind === "days" && dayOfWeek.days.length === 7;
  return dayOfMonth.kind === "days" && dayOfMonth.days.length === 31 && dayOfWeek.kind === "any";
}

function describeDays(dayOfMonth: DayOfMonthRule, dayOfWeek: DayOfWeekRule): string {
  if (dayOfWeek.kind === "days") {
    const days = dayOfWeek.days;
    if (days.join() === "2,3,4,5,6") return "Monday to Friday";
    if (days.join() === "1,7") return "on weekends";
    return `on ${joinWords(days.map((day) => `${DAY_NAMES[day - 1] ?? "?"}s`))}`;
  }
  if (dayOfWeek.kind === "last") return `on the last ${DAY_NAMES[dayOfWeek.day - 1]} of the month`;
  if (dayOfWeek.kind === "nth") {
    return `on the ${ORDINALS[dayOfWeek.occurrence - 1]} ${DAY_NAMES[dayOfWeek.day - 1]} of the month`;
  }
  switch (dayOfMonth.kind) {
    case "last-day":
      return "on the last day of the month";
    case "last-weekday":
      return "on the last weekday of the month";
    case "nearest-weekday":
      return `on the weekday nearest day ${dayOfMonth.day} of the month`;
    case "days":
      return `on day${dayOfMonth.days.length === 1 ? "" : "s"} ${joinWords(dayOfMonth.days.map(String))} of the month`;
    default:
      return "every day";
  }
}

/** `{ start, step }` when the values are start, start+step, ... to the end of the field, else undefined. */
function stepOf(values: number[], max: number): { start: number; step: number } | undefined {
  const [start, second] = values;
  if (start === undefined || second === undefined) return undefined;
  const step = second - start;
  if (start >= step) return undefined;
  const regular = values.every((value, index) => value === start + index * step);
  const last = values[values.length - 1] ?? 0;
  return regular && last + step > max ? { start, step } : undefined;
}

/** `09:00–17:59` for 9-17; ranges joined with commas. */
function describeHourRanges(hours: number[]): string {
  const ranges: [number, number][] = [];
  for (const hour of hours) {
    const current = ranges[ranges.length - 1];
    if (current && current[1] === hour - 1) current[1] = hour;
    else ranges.push([hour, hour]);
  }
  return joinWords(ranges.map(([from, to]) => `${pad(from)}:00–${pad(to)}:59`));
}

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function pad(value: number | undefined): string {
  return String(value ?? 0).padStart(2, "0");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
