/**
 * EventBridge schedule expressions: `cron(minutes hours day-of-month month day-of-week year)` and
 * `rate(value unit)` (EventBridge rules and EventBridge Scheduler), and Scheduler's one-time
 * `at(yyyy-mm-ddThh:mm:ss)`, validated to the rules of the AWS "Cron expressions reference" and
 * "Rate expressions reference" so a bad schedule is rejected at `agentcron validate` with a message
 * that says what to type, rather than by PutRule at deploy time with "Parameter ScheduleExpression
 * is not valid". Which backend accepts which kind is the job schema's business (job-schema.ts).
 */

export type CronFieldName = "minutes" | "hours" | "day-of-month" | "month" | "day-of-week" | "year";

/** A schedule expression is malformed; `field` names the cron field at fault when there is one. */
export class ScheduleExpressionError extends Error {
  override name = "ScheduleExpressionError";
  constructor(
    message: string,
    readonly field?: CronFieldName,
  ) {
    super(message);
  }
}

export type DayOfMonthRule =
  | { kind: "any" } // "?": the day is chosen by day-of-week
  | { kind: "days"; days: number[] }
  | { kind: "last-day" } // "L"
  | { kind: "last-weekday" } // "LW"
  | { kind: "nearest-weekday"; day: number }; // "15W": the Monday-Friday nearest the 15th, within the month

/** Days of the week are numbered as EventBridge numbers them: 1 = SUNDAY … 7 = SATURDAY. */
export type DayOfWeekRule =
  | { kind: "any" } // "?": the day is chosen by day-of-month
  | { kind: "days"; days: number[] }
  | { kind: "last"; day: number } // "6L": the last Friday of the month
  | { kind: "nth"; day: number; occurrence: number }; // "6#3": the third Friday of the month

/** The six cron fields, expanded: number lists are sorted, deduplicated and within the field's range. */
export interface CronFields {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonthRule;
  month: number[];
  dayOfWeek: DayOfWeekRule;
  year: number[];
}

export type RateUnit = "minute" | "hour" | "day";

/** A date and time on a wall clock, without a zone (the job's `timezone` says which clock). */
export interface LocalDateTime {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export type ScheduleExpression =
  | { kind: "cron"; expression: string; fields: CronFields }
  | { kind: "rate"; expression: string; value: number; unit: RateUnit; periodMs: number }
  /** One-time (EventBridge Scheduler): fires once at `at`, in the job's time zone. */
  | { kind: "at"; expression: string; at: LocalDateTime };

const UNIT_MS: Record<RateUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const RATE_UNIT_WORDS = new Map<string, RateUnit>(
  (["minute", "hour", "day"] as const).flatMap((unit) => [
    [unit, unit],
    [`${unit}s`, unit],
  ]),
);
const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELD_ORDER = "minutes hours day-of-month month day-of-week year";

/**
 * EventBridge (PutRule and CreateSchedule alike) refuses a ScheduleExpression longer than 256
 * characters. Refusing it here first also bounds every regular expression below to short input.
 */
export const SCHEDULE_EXPRESSION_MAX_LENGTH = 256;

interface FieldSpec {
  readonly position: number;
  readonly name: CronFieldName;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly allowsStep: boolean;
}

const MINUTES: FieldSpec = { position: 1, name: "minutes", min: 0, max: 59, allowsStep: true };
const HOURS: FieldSpec = { position: 2, name: "hours", min: 0, max: 23, allowsStep: true };
const DAY_OF_MONTH: FieldSpec = { position: 3, name: "day-of-month", min: 1, max: 31, allowsStep: true };
const MONTH: FieldSpec = {
  position: 4,
  name: "month",
  min: 1,
  max: 12,
  names: MONTH_NAMES,
  allowsStep: true,
};
// `/` is missing from the day-of-week row of the AWS wildcard table, so it is rejected there.
const DAY_OF_WEEK: FieldSpec = {
  position: 5,
  name: "day-of-week",
  min: 1,
  max: 7,
  names: DAY_NAMES,
  allowsStep: false,
};
const YEAR: FieldSpec = { position: 6, name: "year", min: 1970, max: 2199, allowsStep: true };

type Fail = (reason: string) => never;

/**
 * Parses and validates an EventBridge schedule expression (`cron(...)` or `rate(...)`), tolerating
 * surrounding whitespace, runs of spaces between fields and any letter case; `expression` on the
 * result is the normalized text to hand to EventBridge.
 *
 * @throws ScheduleExpressionError when the text is not a valid EventBridge schedule; the message
 *   names the problem, the cron field at fault (also in `error.field`) and the fix.
 */
export function parseScheduleExpression(text: string): ScheduleExpression {
  return parseExpression(text, { hints: true });
}

interface ParseOptions {
  /**
   * Whether a rejection may suggest a corrected expression. A suggestion is checked by parsing it
   * with hints off, so a hint never parses a hint: without that, "(0 12 * * ? *)" suggested
   * "cron((0 12 * * ? *))", whose rejection suggested "cron(cron((...)))", and so on until V8
   * aborted the process (issue 8, cause 9).
   */
  readonly hints: boolean;
}

function parseExpression(text: string, options: ParseOptions): ScheduleExpression {
  if (text.length > SCHEDULE_EXPRESSION_MAX_LENGTH) {
    throw new ScheduleExpressionError(
      `schedule is ${text.length} characters long; EventBridge accepts at most ${SCHEDULE_EXPRESSION_MAX_LENGTH}, e.g. cron(0 12 * * ? *)`,
    );
  }
  const trimmed = text.trim();
  if (trimmed === "") {
    throw new ScheduleExpressionError(
      "schedule is empty; write cron(...), rate(...) or at(...), e.g. rate(5 minutes)",
    );
  }
  const wrapped = /^(cron|rate|at)\s*\(([^()]*)\)$/i.exec(trimmed);
  if (!wrapped) throw notWrappedError(trimmed, options);
  const [, kind = "", body = ""] = wrapped;
  switch (kind.toLowerCase()) {
    case "cron":
      return parseCron(body, options);
    case "rate":
      return parseRate(body);
    default:
      return parseAt(body);
  }
}

function notWrappedError(text: string, options: ParseOptions): ScheduleExpressionError {
  const opened = /^(cron|rate|at)\s*\(/i.exec(text);
  if (opened && !text.endsWith(")")) {
    return new ScheduleExpressionError(
      `${opened[1]?.toLowerCase()}(...) is missing its closing ")": "${text}"`,
    );
  }
  if (opened) {
    return new ScheduleExpressionError(
      `${opened[1]?.toLowerCase()}(...) holds plain fields; remove the parentheses inside it: "${text}", e.g. cron(0 12 * * ? *)`,
    );
  }
  const hint = options.hints ? bareHint(text) : "";
  return new ScheduleExpressionError(
    `schedule must be written cron(...), rate(...) or at(...), got "${text}"${hint}`,
  );
}

/** Recognizes the usual unwrapped forms (a unix cron line, six bare fields, "5 minutes") and suggests the wrapped one. */
function bareHint(text: string): string {
  // "(0 12 * * ? *)": the parentheses are there, the word before them is not.
  const parenthesized = /^\(([^()]*)\)$/.exec(text)?.[1];
  const named =
    parenthesized === undefined
      ? undefined
      : (validExpression(`cron(${parenthesized})`) ?? validExpression(`rate(${parenthesized})`));
  if (named) return ` — write it as ${named}`;
  const words = text.split(/\s+/);
  const unixSuggestion = words.length === 5 ? suggestFromUnixCron(words) : undefined;
  if (unixSuggestion) return ` — wrap a cron expression as ${unixSuggestion}`;
  const sixFields = words.length === 6 ? validExpression(`cron(${text})`) : undefined;
  if (sixFields) return ` — wrap it as ${sixFields}`;
  const rate = /^(\d+)\s+(minute|hour|day)s?$/i.exec(text);
  if (rate) {
    const [, value = "", unit = ""] = rate;
    return ` — write it as rate(${value} ${unit.toLowerCase()}${value === "1" ? "" : "s"})`;
  }
  return `; cron has 6 fields (${FIELD_ORDER}), e.g. cron(0 12 * * ? *)`;
}

/**
 * Unix cron is 5 fields, numbers Sunday 0 and lets both day fields be `*`; EventBridge adds a year,
 * numbers Sunday 1 and needs `?` in one day field. Returns undefined when no faithful translation
 * exists (unix ORs the two day fields when both are set; EventBridge cannot express that).
 */
function suggestFromUnixCron(words: string[]): string | undefined {
  const [minutes = "", hours = "", dayOfMonth = "", month = "", dayOfWeek = ""] = words;
  const everyFrom = (field: string, first: number) => field.replace(/^\*\//, `${first}/`);
  const daysOfWeekSet = dayOfWeek !== "*" && dayOfWeek !== "?";
  if (daysOfWeekSet && dayOfMonth !== "*" && dayOfMonth !== "?") return undefined;
  const ebDayOfMonth = daysOfWeekSet ? "?" : everyFrom(dayOfMonth, 1);
  const ebDayOfWeek = daysOfWeekSet ? dayOfWeek.replace(/\d+/g, (day) => String((Number(day) % 7) + 1)) : "?";
  return validExpression(
    `cron(${everyFrom(minutes, 0)} ${everyFrom(hours, 0)} ${ebDayOfMonth} ${everyFrom(month, 1)} ${ebDayOfWeek} *)`,
  );
}

/** The normalized form of a suggested expression, or undefined when the suggestion is not valid either. */
function validExpression(candidate: string): string | undefined {
  try {
    return parseExpression(candidate, { hints: false }).expression;
  } catch {
    return undefined;
  }
}

function parseRate(body: string): ScheduleExpression {
  const words = body.trim().split(/\s+/);
  const shown = `rate(${words.join(" ")})`;
  const [valueText = "", unitText = "", ...extra] = words;
  if (words.length < 2 || extra.length > 0) {
    throw new ScheduleExpressionError(
      `${shown}: write a value and a unit, e.g. rate(5 minutes) or rate(1 hour)`,
    );
  }
  const value = Number(valueText);
  if (!/^\d+$/.test(valueText) || value < 1 || !Number.isSafeInteger(value)) {
    throw new ScheduleExpressionError(`${shown}: the value must be a positive whole number`);
  }
  const unitWord = unitText.toLowerCase();
  const unit = RATE_UNIT_WORDS.get(unitWord);
  if (!unit) {
    const tooFast = /^(second|sec)s?$/.test(unitWord)
      ? "; EventBridge cannot fire more often than once a minute"
      : "";
    throw new ScheduleExpressionError(`${shown}: the unit must be minute(s), hour(s) or day(s)${tooFast}`);
  }
  // EventBridge rejects rate(1 minutes) and rate(5 minute) outright.
  const expectedUnit = value === 1 ? unit : `${unit}s`;
  if (unitWord !== expectedUnit) {
    const which = value === 1 ? "singular" : "plural";
    throw new ScheduleExpressionError(
      `${shown}: use the ${which} unit "${expectedUnit}" when the value is ${value === 1 ? "1" : "not 1"}`,
    );
  }
  return {
    kind: "rate",
    expression: `rate(${value} ${expectedUnit})`,
    value,
    unit,
    periodMs: value * UNIT_MS[unit],
  };
}

const AT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** `at(2027-01-15T09:00:00)`: a wall-clock time to the second, without a zone, as Scheduler takes it. */
function parseAt(body: string): ScheduleExpression {
  const text = body.trim();
  const shown = `at(${text})`;
  const zoned = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i.exec(text);
  if (zoned) {
    throw new ScheduleExpressionError(
      `${shown}: at() takes a time without a zone; write at(${zoned[1]}) and put the zone in the job's timezone (default UTC)`,
    );
  }
  const match = AT_PATTERN.exec(text);
  if (!match) {
    throw new ScheduleExpressionError(
      `${shown}: write the date and time as yyyy-mm-ddThh:mm:ss, e.g. at(2027-01-15T09:00:00)`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const problem =
    year < YEAR.min || year > YEAR.max
      ? `the year must be ${YEAR.min}-${YEAR.max}`
      : month < 1 || month > 12
        ? "the month must be 01-12"
        : day < 1 || day > daysInMonth(year, month)
          ? `${year}-${String(month).padStart(2, "0")} has no day ${day}`
          : hour > 23 || minute > 59 || second > 59
            ? "the time must be 00:00:00-23:59:59"
            : undefined;
  if (problem) throw new ScheduleExpressionError(`${shown}: ${problem}`);
  return {
    kind: "at",
    expression: `at(${text})`,
    at: { year, month, day, hour, minute, second },
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseCron(body: string, options: ParseOptions): ScheduleExpression {
  const words = body.trim().toUpperCase().split(/\s+/).filter(Boolean);
  if (words.length !== 6) throw fieldCountError(words, options);
  const [minutes = "", hours = "", dayOfMonth = "", month = "", dayOfWeek = "", year = ""] = words;
  const fields: CronFields = {
    minutes: parseNumberField(minutes, MINUTES),
    hours: parseNumberField(hours, HOURS),
    dayOfMonth: parseDayOfMonth(dayOfMonth),
    month: parseNumberField(month, MONTH),
    dayOfWeek: parseDayOfWeek(dayOfWeek),
    year: parseNumberField(year, YEAR),
  };
  checkExactlyOneDayFieldIsAny(words, fields);
  return { kind: "cron", expression: `cron(${words.join(" ")})`, fields };
}

function fieldCountError(words: string[], options: ParseOptions): ScheduleExpressionError {
  const got = `cron(...) needs 6 fields (${FIELD_ORDER}), got ${words.length}`;
  if (words.length === 5) {
    const unix = options.hints ? suggestFromUnixCron(words) : undefined;
    const unixHint =
      unix && !validExpression(`cron(${words.join(" ")} *)`) ? ` (as a unix cron line: ${unix})` : "";
    return new ScheduleExpressionError(
      `${got} — EventBridge cron has a year field; add " *" at the end${unixHint}`,
    );
  }
  if (words.length === 7) {
    return new ScheduleExpressionError(
      `${got} — EventBridge cron has no seconds field; drop the first field`,
    );
  }
  return new ScheduleExpressionError(`${got}, e.g. cron(0 12 * * ? *)`);
}

function checkExactlyOneDayFieldIsAny(words: string[], fields: CronFields): void {
  const dayOfMonthAny = fields.dayOfMonth.kind === "any";
  const dayOfWeekAny = fields.dayOfWeek.kind === "any";
  if (dayOfMonthAny && dayOfWeekAny) {
    throw new ScheduleExpressionError(
      `day-of-month and day-of-week cannot both be "?"; put "*" in day-of-month to run every day`,
      "day-of-month",
    );
  }
  if (dayOfMonthAny || dayOfWeekAny) return;
  const [, , dayOfMonth, , dayOfWeek] = words;
  const rule = `either day-of-month or day-of-week must be "?" (EventBridge does not allow both to be set)`;
  const withAny = (index: number) => `cron(${words.map((word, i) => (i === index ? "?" : word)).join(" ")})`;
  if (dayOfMonth === "*") {
    throw new ScheduleExpressionError(`${rule}; put "?" in day-of-month: ${withAny(2)}`, "day-of-month");
  }
  if (dayOfWeek === "*") {
    throw new ScheduleExpressionError(`${rule}; put "?" in day-of-week: ${withAny(4)}`, "day-of-week");
  }
  throw new ScheduleExpressionError(`${rule}; keep the one you mean and put "?" in the other`, "day-of-week");
}

function failer(spec: FieldSpec, text: string): Fail {
  return (reason) => {
    throw new ScheduleExpressionError(
      `cron field ${spec.position} (${spec.name}) "${text}": ${reason}`,
      spec.name,
    );
  };
}

function parseDayOfMonth(text: string): DayOfMonthRule {
  const fail: Fail = failer(DAY_OF_MONTH, text);
  if (text === "?") return { kind: "any" };
  if (text === "L") return { kind: "last-day" };
  if (text === "LW") return { kind: "last-weekday" };
  const nearest = /^(\d+)W$/.exec(text);
  if (nearest) return { kind: "nearest-weekday", day: parseValue(nearest[1] ?? "", DAY_OF_MONTH, fail) };
  if (/[LW]/.test(text)) {
    const standsAlone = text.split(",").some((item) => /^(L|LW|\d+W)$/.test(item));
    fail(
      standsAlone
        ? `L, LW and W must be the whole day-of-month field, not part of a list`
        : `day-of-month takes L (last day), LW (last weekday) or a day followed by W (15W = the weekday nearest the 15th)`,
    );
  }
  return { kind: "days", days: parseNumberField(text, DAY_OF_MONTH) };
}

function parseDayOfWeek(text: string): DayOfWeekRule {
  const fail: Fail = failer(DAY_OF_WEEK, text);
  if (text === "?") return { kind: "any" };
  // "L" alone is the last day of the week, which is SATURDAY (7) in EventBridge numbering.
  if (text === "L") return { kind: "days", days: [7] };
  const last = /^(\w+?)L$/.exec(text);
  if (last) return { kind: "last", day: parseValue(last[1] ?? "", DAY_OF_WEEK, fail) };
  const nth = /^(\w+)#(\d+)$/.exec(text);
  if (nth) {
    const occurrence = Number(nth[2]);
    if (occurrence < 1 || occurrence > 5)
      fail(`the occurrence after "#" must be 1-5, got ${occurrence} (6#3 = the third Friday)`);
    return { kind: "nth", day: parseValue(nth[1] ?? "", DAY_OF_WEEK, fail), occurrence };
  }
  if (text.includes("#") && text.includes(",")) {
    fail(`"#" must be the only expression in day-of-week (EventBridge rejects lists like 3#1,6#3)`);
  }
  if (text.includes("#")) fail(`write "#" as day#occurrence, e.g. 6#3 = the third Friday of the month`);
  if (/L/.test(text))
    fail(`"L" must be the whole day-of-week field (L = Saturday, 6L = last Friday), not part of a list`);
  return { kind: "days", days: parseNumberField(text, DAY_OF_WEEK) };
}

/** Expands `*`, `a`, `a-b`, `a/step`, `*\/step`, `a-b/step` and comma lists of them into sorted values. */
function parseNumberField(text: string, spec: FieldSpec): number[] {
  const fail: Fail = failer(spec, text);
  const values = new Set<number>();
  for (const item of text.split(",")) {
    if (item === "") fail(`empty value in the list; remove the extra ","`);
    const [rangeText = "", stepText, ...extraSteps] = item.split("/");
    if (extraSteps.length > 0) fail(`"${item}" has more than one "/"`);
    if (stepText !== undefined && !spec.allowsStep) {
      fail(`"/" is not allowed in ${spec.name}; list the days instead, e.g. 2,4,6 or MON,WED,FRI`);
    }
    const [start, end] = parseRange(rangeText, spec, fail);
    const step = stepText === undefined ? 1 : parseStep(stepText, spec, fail);
    // "5/15" means 5, 20, 35, 50: a single start value runs to the end of the field.
    const last = stepText !== undefined && !rangeText.includes("-") ? spec.max : end;
    for (let value = start; value <= last; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseRange(text: string, spec: FieldSpec, fail: Fail): [number, number] {
  if (text === "*") return [spec.min, spec.max];
  const [startText = "", endText, ...extra] = text.split("-");
  if (extra.length > 0) fail(`"${text}" is not a range; write start-end, e.g. ${spec.min}-${spec.min + 4}`);
  const start = parseValue(startText, spec, fail);
  if (endText === undefined) return [start, start];
  const end = parseValue(endText, spec, fail);
  if (start > end) {
    fail(
      `range "${text}" runs backwards; EventBridge ranges go from low to high, so write ${start}-${spec.max},${spec.min}-${end}`,
    );
  }
  return [start, end];
}

function parseStep(text: string, spec: FieldSpec, fail: Fail): number {
  const span = spec.max - spec.min;
  const step = Number(text);
  if (!/^\d+$/.test(text) || step < 1 || step > span) {
    fail(`the step after "/" must be a whole number from 1 to ${span}, got "${text}"`);
  }
  return step;
}

function parseValue(token: string, spec: FieldSpec, fail: Fail): number {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (spec === DAY_OF_WEEK && value === 0) {
      fail(
        `0 is not a day of the week; EventBridge numbers days 1-7 with 1 = SUNDAY (unix cron's 0-6 is 1-7 here), or use SUN-SAT`,
      );
    }
    if (value < spec.min || value > spec.max) {
      fail(`${value} is out of range; ${spec.name} must be ${rangeDescription(spec)}`);
    }
    return value;
  }
  const nameIndex = spec.names?.indexOf(token) ?? -1;
  if (nameIndex >= 0) return nameIndex + 1;
  fail(misplacedWildcard(token, spec) ?? notAValue(token, spec));
}

function misplacedWildcard(token: string, spec: FieldSpec): string | undefined {
  if (token === "") return `a value is missing around "-" or "/"`;
  if (token.includes("?")) return `"?" must be the whole field, and only in day-of-month or day-of-week`;
  if (token.includes("#")) return `"#" is only allowed in day-of-week (6#3 = the third Friday)`;
  if (/^(L|LW|\d*L|L-\d+)$/.test(token)) {
    return spec === DAY_OF_MONTH || spec === DAY_OF_WEEK
      ? `"L" must be the whole field`
      : `"L" is only allowed in day-of-month and day-of-week`;
  }
  if (/^\d+W$/.test(token)) return `"W" is only allowed in day-of-month (15W = the weekday nearest the 15th)`;
  return undefined;
}

function notAValue(token: string, spec: FieldSpec): string {
  if (spec === DAY_OF_WEEK) return `"${token}" is not a day name; use SUN-SAT or 1-7 (1 = SUNDAY)`;
  if (spec === MONTH) return `"${token}" is not a month name; use JAN-DEC or 1-12`;
  return `"${token}" is not a number; ${spec.name} must be ${rangeDescription(spec)}`;
}

function rangeDescription(spec: FieldSpec): string {
  if (spec === DAY_OF_WEEK) return "1-7 or SUN-SAT (1 = SUNDAY)";
  if (spec === MONTH) return "1-12 or JAN-DEC";
  return `${spec.min}-${spec.max}`;
}
