import { describe, expect, it } from "vitest";
import {
  type CronFields,
  parseScheduleExpression,
  ScheduleExpressionError,
} from "../../core/jobs/schedule-expression.ts";

function cronFields(text: string): CronFields {
  const schedule = parseScheduleExpression(text);
  if (schedule.kind !== "cron") throw new Error(`expected a cron schedule from ${text}`);
  return schedule.fields;
}

function rejectionOf(text: string): ScheduleExpressionError {
  try {
    parseScheduleExpression(text);
  } catch (error) {
    if (error instanceof ScheduleExpressionError) return error;
    throw error;
  }
  throw new Error(`expected ${text} to be rejected`);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("parseScheduleExpression: valid cron expressions", () => {
  it("expands 0/30 into minutes 0 and 30 and * into every hour, day, month and year", () => {
    // Act
    const schedule = parseScheduleExpression("cron(0/30 * * * ? *)");

    // Assess
    expect(schedule).toEqual({
      kind: "cron",
      expression: "cron(0/30 * * * ? *)",
      fields: {
        minutes: [0, 30],
        hours: range(0, 23),
        dayOfMonth: { kind: "days", days: range(1, 31) },
        month: range(1, 12),
        dayOfWeek: { kind: "any" },
        year: range(1970, 2199),
      },
    });
  });

  it("reads */15, 1/10 and 10-40/10 as increments that stay inside the field", () => {
    // Act
    const everyQuarter = cronFields("cron(*/15 * * * ? *)");
    const fromMinuteOne = cronFields("cron(1/10 * * * ? *)");
    const boundedRange = cronFields("cron(10-40/10 0/6 1/10 1/3 ? 2026/50)");

    // Assess
    expect(everyQuarter.minutes).toEqual([0, 15, 30, 45]);
    expect(fromMinuteOne.minutes).toEqual([1, 11, 21, 31, 41, 51]);
    expect(boundedRange.minutes).toEqual([10, 20, 30, 40]);
    expect(boundedRange.hours).toEqual([0, 6, 12, 18]);
    expect(boundedRange.dayOfMonth).toEqual({ kind: "days", days: [1, 11, 21, 31] });
    expect(boundedRange.month).toEqual([1, 4, 7, 10]);
    expect(boundedRange.year).toEqual([2026, 2076, 2126, 2176]);
  });

  it("merges lists and ranges into sorted values without duplicates", () => {
    // Act
    const fields = cronFields("cron(45,5,15-20,5 8-10,9 1,15 * ? *)");

    // Assess
    expect(fields.minutes).toEqual([5, 15, 16, 17, 18, 19, 20, 45]);
    expect(fields.hours).toEqual([8, 9, 10]);
    expect(fields.dayOfMonth).toEqual({ kind: "days", days: [1, 15] });
  });

  it("normalizes surrounding and repeated whitespace and letter case into the expression for EventBridge", () => {
    // Act
    const schedule = parseScheduleExpression("  CRON( 0   12 * jan,Mar-may ? * )\n");

    // Assess
    expect(schedule.expression).toBe("cron(0 12 * JAN,MAR-MAY ? *)");
  });

  it("accepts month names in any case and numbers them 1 (JAN) to 12 (DEC)", () => {
    // Act
    const fields = cronFields("cron(0 0 1 jan,Jun,DEC ? *)");
    const nameRange = cronFields("cron(0 0 1 OCT-dec ? *)");

    // Assess
    expect(fields.month).toEqual([1, 6, 12]);
    expect(nameRange.month).toEqual([10, 11, 12]);
  });

  it("accepts day names in any case and numbers days 1-7 with SUNDAY as 1 and SATURDAY as 7", () => {
    // Act
    const weekdays = cronFields("cron(0 9 ? * mon-FRI *)");
    const weekend = cronFields("cron(0 9 ? * SUN,sat *)");
    const numbered = cronFields("cron(0 9 ? * 1,7 *)");

    // Assess
    expect(weekdays.dayOfWeek).toEqual({ kind: "days", days: [2, 3, 4, 5, 6] });
    expect(weekend.dayOfWeek).toEqual({ kind: "days", days: [1, 7] });
    expect(numbered.dayOfWeek).toEqual(weekend.dayOfWeek);
    expect(weekdays.dayOfMonth).toEqual({ kind: "any" });
  });

  it("accepts the first and last years EventBridge allows, 1970 and 2199, and ranges between them", () => {
    // Act
    const bounds = cronFields("cron(0 0 1 1 ? 1970,2199)");
    const span = cronFields("cron(0 0 1 1 ? 2026-2028)");

    // Assess
    expect(bounds.year).toEqual([1970, 2199]);
    expect(span.year).toEqual([2026, 2027, 2028]);
  });

  it("reads L in day-of-month as the last day of the month", () => {
    // Act
    const fields = cronFields("cron(0 12 L * ? *)");

    // Assess
    expect(fields.dayOfMonth).toEqual({ kind: "last-day" });
  });

  it("reads LW as the last weekday of the month and 15W as the weekday nearest the 15th", () => {
    // Act
    const lastWeekday = cronFields("cron(0 12 LW * ? *)");
    const nearest = cronFields("cron(0 12 15w * ? *)");

    // Assess
    expect(lastWeekday.dayOfMonth).toEqual({ kind: "last-weekday" });
    expect(nearest.dayOfMonth).toEqual({ kind: "nearest-weekday", day: 15 });
  });

  it("reads 6L and FRIL in day-of-week as the last Friday, and L alone as Saturday", () => {
    // Act
    const lastFriday = cronFields("cron(15 10 ? * 6L 2026-2027)");
    const lastFridayByName = cronFields("cron(15 10 ? * fril *)");
    const saturday = cronFields("cron(15 10 ? * L *)");

    // Assess
    expect(lastFriday.dayOfWeek).toEqual({ kind: "last", day: 6 });
    expect(lastFridayByName.dayOfWeek).toEqual({ kind: "last", day: 6 });
    expect(saturday.dayOfWeek).toEqual({ kind: "days", days: [7] });
  });

  it("reads 6#3 and MON#1 in day-of-week as the nth such weekday of the month", () => {
    // Act
    const thirdFriday = cronFields("cron(0 9 ? * 6#3 *)");
    const firstMonday = cronFields("cron(0 9 ? * MON#1 *)");

    // Assess
    expect(thirdFriday.dayOfWeek).toEqual({ kind: "nth", day: 6, occurrence: 3 });
    expect(firstMonday.dayOfWeek).toEqual({ kind: "nth", day: 2, occurrence: 1 });
  });
});

describe("parseScheduleExpression: valid rate expressions", () => {
  it.each([
    ["rate(1 minute)", 1, "minute", 60_000],
    ["rate(5 minutes)", 5, "minute", 300_000],
    ["rate(1 hour)", 1, "hour", 3_600_000],
    ["rate(2 hours)", 2, "hour", 7_200_000],
    ["rate(1 day)", 1, "day", 86_400_000],
    ["rate(7 days)", 7, "day", 604_800_000],
  ] as const)("reads %s as every %i %s (period %i ms)", (text, value, unit, periodMs) => {
    // Act
    const schedule = parseScheduleExpression(text);

    // Assess
    expect(schedule).toEqual({ kind: "rate", expression: text, value, unit, periodMs });
  });

  it("normalizes whitespace and letter case in a rate expression", () => {
    // Act
    const schedule = parseScheduleExpression(" Rate(  10   Minutes ) ");

    // Assess
    expect(schedule.expression).toBe("rate(10 minutes)");
  });
});

describe("parseScheduleExpression: rejected cron expressions name the field and the fix", () => {
  it("rejects a misspelt day name, naming field 5 and the accepted names", () => {
    // Act
    const error = rejectionOf("cron(0 9 ? * MON-FRX *)");

    // Assess
    expect(error).toBeInstanceOf(ScheduleExpressionError);
    expect(error.name).toBe("ScheduleExpressionError");
    expect(error.field).toBe("day-of-week");
    expect(error.message).toBe(
      'cron field 5 (day-of-week) "MON-FRX": "FRX" is not a day name; use SUN-SAT or 1-7 (1 = SUNDAY)',
    );
  });

  it("rejects a 5-field cron and tells the user to add the year field", () => {
    // Act
    const error = rejectionOf("cron(0 9 * * ?)");

    // Assess
    expect(error.message).toBe(
      'cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), got 5 — EventBridge cron has a year field; add " *" at the end',
    );
  });

  it("rejects a unix cron line wrapped in cron(...) and shows its EventBridge translation", () => {
    // Act
    const error = rejectionOf("cron(*/5 * * * *)");

    // Assess
    expect(error.message).toContain("got 5");
    expect(error.message).toContain("cron(0/5 * * * ? *)");
  });

  it("rejects a 7-field Quartz cron, pointing at the seconds field EventBridge lacks", () => {
    // Act
    const error = rejectionOf("cron(0 0 12 * * ? *)");

    // Assess
    expect(error.message).toContain("got 7");
    expect(error.message).toContain("no seconds field");
  });

  it("rejects both day fields set and suggests ? in the one written as *", () => {
    // Act
    const weekdays = rejectionOf("cron(0 9 * * MON-FRI *)");
    const monthly = rejectionOf("cron(0 9 1 * * *)");
    const bothSpecific = rejectionOf("cron(0 9 1 * MON *)");

    // Assess
    expect(weekdays.message).toBe(
      'either day-of-month or day-of-week must be "?" (EventBridge does not allow both to be set); put "?" in day-of-month: cron(0 9 ? * MON-FRI *)',
    );
    expect(weekdays.field).toBe("day-of-month");
    expect(monthly.message).toContain('put "?" in day-of-week: cron(0 9 1 * ? *)');
    expect(monthly.field).toBe("day-of-week");
    expect(bothSpecific.message).toContain('either day-of-month or day-of-week must be "?"');
  });

  it("rejects ? in both day fields and suggests * for every day", () => {
    // Act
    const error = rejectionOf("cron(0 9 ? * ? *)");

    // Assess
    expect(error.field).toBe("day-of-month");
    expect(error.message).toContain('cannot both be "?"');
    expect(error.message).toContain('put "*" in day-of-month');
  });

  it("rejects day-of-week 0 with a hint that EventBridge numbers SUNDAY 1, unlike unix cron", () => {
    // Act
    const error = rejectionOf("cron(0 9 ? * 0-4 *)");

    // Assess
    expect(error.field).toBe("day-of-week");
    expect(error.message).toContain("0 is not a day of the week");
    expect(error.message).toContain("1 = SUNDAY");
  });

  it.each([
    ["cron(60 * * * ? *)", "minutes", "cron field 1 (minutes)", "60 is out of range; minutes must be 0-59"],
    ["cron(0 24 * * ? *)", "hours", "cron field 2 (hours)", "24 is out of range; hours must be 0-23"],
    [
      "cron(0 0 0 * ? *)",
      "day-of-month",
      "cron field 3 (day-of-month)",
      "0 is out of range; day-of-month must be 1-31",
    ],
    ["cron(0 0 32 * ? *)", "day-of-month", "cron field 3 (day-of-month)", "32 is out of range"],
    [
      "cron(0 0 1 13 ? *)",
      "month",
      "cron field 4 (month)",
      "13 is out of range; month must be 1-12 or JAN-DEC",
    ],
    ["cron(0 0 ? * 8 *)", "day-of-week", "cron field 5 (day-of-week)", "8 is out of range"],
    ["cron(0 0 * * ? 1969)", "year", "cron field 6 (year)", "1969 is out of range; year must be 1970-2199"],
    ["cron(0 0 * * ? 2200)", "year", "cron field 6 (year)", "2200 is out of range; year must be 1970-2199"],
  ])("rejects %s as out of range in %s", (text, field, location, reason) => {
    // Act
    const error = rejectionOf(text);

    // Assess
    expect(error.field).toBe(field);
    expect(error.message).toContain(location);
    expect(error.message).toContain(reason);
  });

  it.each([
    ["cron(0 0 1 JANX ? *)", "month", '"JANX" is not a month name; use JAN-DEC or 1-12'],
    ["cron(5x * * * ? *)", "minutes", '"5X" is not a number; minutes must be 0-59'],
    ["cron(0 0 ? * */2 *)", "day-of-week", '"/" is not allowed in day-of-week; list the days instead'],
    ["cron(? * * * ? *)", "minutes", '"?" must be the whole field, and only in day-of-month or day-of-week'],
    ["cron(0 L * * ? *)", "hours", '"L" is only allowed in day-of-month and day-of-week'],
    ["cron(0 0 ? * 15W *)", "day-of-week", '"W" is only allowed in day-of-month'],
    ["cron(0 0 1#2 * ? *)", "day-of-month", '"#" is only allowed in day-of-week'],
    ["cron(0 0 ? * 3#1,6#3 *)", "day-of-week", '"#" must be the only expression in day-of-week'],
    ["cron(0 0 ? * 6#6 *)", "day-of-week", 'the occurrence after "#" must be 1-5, got 6'],
    ["cron(0 0 ? * 2,6L *)", "day-of-week", '"L" must be the whole day-of-week field'],
    ["cron(0 0 L,15 * ? *)", "day-of-month", "L, LW and W must be the whole day-of-month field"],
    ["cron(0 0 L-2 * ? *)", "day-of-month", "day-of-month takes L (last day), LW (last weekday)"],
    ["cron(0 0 32W * ? *)", "day-of-month", "32 is out of range"],
    [
      "cron(50-10 * * * ? *)",
      "minutes",
      'range "50-10" runs backwards; EventBridge ranges go from low to high, so write 50-59,0-10',
    ],
    ["cron(*/0 * * * ? *)", "minutes", 'the step after "/" must be a whole number from 1 to 59, got "0"'],
    ["cron(0/60 * * * ? *)", "minutes", 'the step after "/" must be a whole number from 1 to 59, got "60"'],
    ["cron(0 0 1,,15 * ? *)", "day-of-month", 'empty value in the list; remove the extra ","'],
  ])("rejects %s, blaming %s", (text, field, reason) => {
    // Act
    const error = rejectionOf(text);

    // Assess
    expect(error.field).toBe(field);
    expect(error.message).toContain(reason);
  });
});

describe("parseScheduleExpression: rejected rate expressions and unwrapped schedules", () => {
  it("rejects a plural unit with value 1 and names the singular unit", () => {
    // Act
    const error = rejectionOf("rate(1 minutes)");

    // Assess
    expect(error.message).toBe('rate(1 minutes): use the singular unit "minute" when the value is 1');
    expect(error.field).toBeUndefined();
  });

  it("rejects a singular unit with a value above 1 and names the plural unit", () => {
    // Act
    const error = rejectionOf("rate(5 hour)");

    // Assess
    expect(error.message).toBe('rate(5 hour): use the plural unit "hours" when the value is not 1');
  });

  it.each(["rate(0 minutes)", "rate(-5 minutes)", "rate(1.5 hours)", "rate(five minutes)"])(
    "rejects %s because the value must be a positive whole number",
    (text) => {
      // Act
      const error = rejectionOf(text);

      // Assess
      expect(error.message).toBe(`${text}: the value must be a positive whole number`);
    },
  );

  it("rejects seconds as a unit and explains EventBridge's one-minute floor", () => {
    // Act
    const error = rejectionOf("rate(30 seconds)");

    // Assess
    expect(error.message).toContain("the unit must be minute(s), hour(s) or day(s)");
    expect(error.message).toContain("once a minute");
  });

  it("rejects a rate without a unit", () => {
    // Act
    const error = rejectionOf("rate(5)");

    // Assess
    expect(error.message).toContain("write a value and a unit, e.g. rate(5 minutes)");
  });

  it("rejects a bare unix cron line and suggests its EventBridge form", () => {
    // Act
    const everyFive = rejectionOf("*/5 * * * *");
    const weekdayMornings = rejectionOf("0 9 * * 1-5");

    // Assess
    expect(everyFive.message).toBe(
      'schedule must be written cron(...), rate(...) or at(...), got "*/5 * * * *" — wrap a cron expression as cron(0/5 * * * ? *)',
    );
    expect(weekdayMornings.message).toContain("wrap a cron expression as cron(0 9 ? * 2-6 *)");
  });

  it("rejects six bare EventBridge fields and suggests wrapping them in cron(...)", () => {
    // Act
    const error = rejectionOf("0 12 * * ? *");

    // Assess
    expect(error.message).toContain("wrap it as cron(0 12 * * ? *)");
  });

  it("rejects a bare interval and suggests the rate(...) form", () => {
    // Act
    const error = rejectionOf("1 hours");

    // Assess
    expect(error.message).toContain("write it as rate(1 hour)");
  });

  it("rejects an unrecognizable schedule with the cron field order as a hint", () => {
    // Act
    const error = rejectionOf("every monday");

    // Assess
    expect(error.message).toContain('got "every monday"');
    expect(error.message).toContain("minutes hours day-of-month month day-of-week year");
  });

  it("rejects an empty schedule", () => {
    // Act
    const error = rejectionOf("   ");

    // Assess
    expect(error.message).toContain("schedule is empty");
  });

  it("rejects a cron expression missing its closing parenthesis", () => {
    // Act
    const error = rejectionOf("cron(0 12 * * ? *");

    // Assess
    expect(error.message).toContain('cron(...) is missing its closing ")"');
  });
});

describe("parseScheduleExpression: inputs that once aborted the process", () => {
  // Each made the "did you mean" hint parse its own suggestion again, without end, until V8
  // aborted with "RegExpCompiler Allocation failed" (issue 8, cause 9).
  it.each([
    ["(0 12 * * ? *)", "write it as cron(0 12 * * ? *)"],
    ["(0 12 * * *)", "cron has 6 fields"],
    ["cron((0) 0 * * ? *)", "remove the parentheses inside it"],
    ["0 12 (*) * ? *", "cron has 6 fields"],
    ["cron(cron(cron(0 12 * * ? *)))", "remove the parentheses inside it"],
    ["(5 minutes)", "write it as rate(5 minutes)"],
  ])("rejects %s with a message (%s)", (text, expected) => {
    expect(rejectionOf(text).message).toContain(expected);
  });

  it("refuses an expression longer than EventBridge's 256 characters before reading it", () => {
    const text = `cron(${"0,".repeat(200)}0 12 * * ? *)`;
    expect(rejectionOf(text).message).toContain(
      `is ${text.length} characters long; EventBridge accepts at most 256`,
    );
  });
});

describe("parseScheduleExpression: one-time at() expressions", () => {
  it("reads a wall-clock date and time to the second", () => {
    expect(parseScheduleExpression(" AT( 2027-01-15T09:00:30 ) ")).toEqual({
      kind: "at",
      expression: "at(2027-01-15T09:00:30)",
      at: { year: 2027, month: 1, day: 15, hour: 9, minute: 0, second: 30 },
    });
  });

  it.each([
    [
      "at(2027-01-15T09:00:00Z)",
      "at() takes a time without a zone; write at(2027-01-15T09:00:00) and put the zone in the job's timezone",
    ],
    ["at(2027-01-15T09:00:00+01:00)", "write at(2027-01-15T09:00:00)"],
    ["at(2027-01-15 09:00)", "write the date and time as yyyy-mm-ddThh:mm:ss"],
    ["at(2027-02-29T09:00:00)", "2027-02 has no day 29"],
    ["at(2027-13-01T09:00:00)", "the month must be 01-12"],
    ["at(2027-01-15T24:00:00)", "the time must be 00:00:00-23:59:59"],
    ["at(1969-12-31T23:59:59)", "the year must be 1970-2199"],
  ])("rejects %s: %s", (text, expected) => {
    expect(rejectionOf(text).message).toContain(expected);
  });
});
