import { describe, expect, it } from "vitest";
import { nextFireTime, nextFireTimes, scheduledTimeKey } from "../../core/jobs/next-fire.ts";
import { parseScheduleExpression } from "../../core/jobs/schedule-expression.ts";

/** The next `count` fire times as `scheduledTimeKey` strings, which keeps expectations readable. */
function fires(expression: string, after: string, count: number, rateAnchor?: string): string[] {
  const options = rateAnchor === undefined ? {} : { rateAnchorMs: Date.parse(rateAnchor) };
  return nextFireTimes(parseScheduleExpression(expression), new Date(after), count, options).map(
    scheduledTimeKey,
  );
}

describe("nextFireTimes for cron schedules", () => {
  it("fires cron(0/30 * * * ? *) on the next half hour and every half hour after it", () => {
    // Act
    const times = fires("cron(0/30 * * * ? *)", "2026-11-22T04:08:27.500Z", 3);

    // Assess
    expect(times).toEqual(["2026-11-22T04:30:00Z", "2026-11-22T05:00:00Z", "2026-11-22T05:30:00Z"]);
  });

  it("returns only times strictly after `after`, even when `after` is itself a fire time", () => {
    // Act
    const times = fires("cron(0/30 * * * ? *)", "2026-11-22T04:30:00Z", 1);

    // Assess
    expect(times).toEqual(["2026-11-22T05:00:00Z"]);
  });

  it("fires cron(0 9 ? * MON-FRI *) on Friday, then skips the weekend to Monday", () => {
    // Prepare: 2026-11-20 is a Friday.
    const fridayMorning = "2026-11-20T08:00:00Z";

    // Act
    const times = fires("cron(0 9 ? * MON-FRI *)", fridayMorning, 3);

    // Assess
    expect(times).toEqual(["2026-11-20T09:00:00Z", "2026-11-23T09:00:00Z", "2026-11-24T09:00:00Z"]);
  });

  it("fires cron(0 12 L * ? *) on each month's last day, 29 February in a leap year", () => {
    // Act
    const times = fires("cron(0 12 L * ? *)", "2028-01-15T00:00:00Z", 4);

    // Assess
    expect(times).toEqual([
      "2028-01-31T12:00:00Z",
      "2028-02-29T12:00:00Z",
      "2028-03-31T12:00:00Z",
      "2028-04-30T12:00:00Z",
    ]);
  });

  it("fires cron(0 12 L * ? *) on 28 February in a common year", () => {
    // Act
    const times = fires("cron(0 12 L * ? *)", "2027-02-01T00:00:00Z", 2);

    // Assess
    expect(times).toEqual(["2027-02-28T12:00:00Z", "2027-03-31T12:00:00Z"]);
  });

  it("fires cron(15 10 ? * 6L 2026-2027) on each last Friday and stops when 2027 ends", () => {
    // Act
    const times = fires("cron(15 10 ? * 6L 2026-2027)", "2027-10-01T00:00:00Z", 5);

    // Assess
    expect(times).toEqual(["2027-10-29T10:15:00Z", "2027-11-26T10:15:00Z", "2027-12-31T10:15:00Z"]);
  });

  it("returns fewer times than asked, then none, once a year-restricted schedule runs out", () => {
    // Prepare
    const schedule = parseScheduleExpression("cron(0 0 1 * ? 2026)");

    // Act
    const lastFires = nextFireTimes(schedule, Date.parse("2026-11-15T00:00:00Z"), 3);
    const afterTheLast = nextFireTime(schedule, Date.parse("2026-12-01T00:00:00Z"));

    // Assess
    expect(lastFires.map(scheduledTimeKey)).toEqual(["2026-12-01T00:00:00Z"]);
    expect(afterTheLast).toBeUndefined();
  });

  it("does not fire day 31 in 30-day months (it does not roll over to the 1st)", () => {
    // Act
    const times = fires("cron(0 0 31 * ? *)", "2026-04-01T00:00:00Z", 3);

    // Assess
    expect(times).toEqual(["2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"]);
  });

  it("fires on 1 March after a February that has no 30th for cron(0 0 1,30 * ? *)", () => {
    // Act
    const times = fires("cron(0 0 1,30 * ? *)", "2026-02-10T00:00:00Z", 2);

    // Assess
    expect(times).toEqual(["2026-03-01T00:00:00Z", "2026-03-30T00:00:00Z"]);
  });

  it("fires LW on the last Monday-Friday of the month", () => {
    // Prepare: 31 Jan 2026 is a Saturday, 28 Feb 2026 a Saturday, 31 May 2026 a Sunday.
    const from = "2026-01-01T00:00:00Z";

    // Act
    const times = fires("cron(0 0 LW * ? *)", from, 5);

    // Assess
    expect(times).toEqual([
      "2026-01-30T00:00:00Z",
      "2026-02-27T00:00:00Z",
      "2026-03-31T00:00:00Z",
      "2026-04-30T00:00:00Z",
      "2026-05-29T00:00:00Z",
    ]);
  });

  it("moves 15W from a Saturday back to Friday and from a Sunday forward to Monday", () => {
    // Prepare: 15 Aug 2026 is a Saturday, 15 Nov 2026 a Sunday.
    const from = "2026-08-01T00:00:00Z";

    // Act
    const times = fires("cron(0 0 15W * ? *)", from, 4);

    // Assess
    expect(times).toEqual([
      "2026-08-14T00:00:00Z",
      "2026-09-15T00:00:00Z",
      "2026-10-15T00:00:00Z",
      "2026-11-16T00:00:00Z",
    ]);
  });

  it("moves 1W from a Saturday forward to Monday the 3rd rather than into the previous month", () => {
    // Prepare: 1 Aug 2026 is a Saturday.
    const from = "2026-07-15T00:00:00Z";

    // Act
    const times = fires("cron(0 0 1W * ? *)", from, 1);

    // Assess
    expect(times).toEqual(["2026-08-03T00:00:00Z"]);
  });

  it("skips months without the day for 31W, like a plain day 31", () => {
    // Prepare: 31 May 2026 is a Sunday.
    const from = "2026-04-01T00:00:00Z";

    // Act
    const times = fires("cron(0 0 31W * ? *)", from, 2);

    // Assess
    expect(times).toEqual(["2026-05-29T00:00:00Z", "2026-07-31T00:00:00Z"]);
  });

  it("fires 6#3 on the third Friday of each month", () => {
    // Act
    const times = fires("cron(0 9 ? * 6#3 *)", "2026-01-01T00:00:00Z", 3);

    // Assess
    expect(times).toEqual(["2026-01-16T09:00:00Z", "2026-02-20T09:00:00Z", "2026-03-20T09:00:00Z"]);
  });

  it("finds a fifth Friday in February (6#5) even when it is decades away", () => {
    // Act
    const times = fires("cron(0 0 ? FEB 6#5 *)", "2026-01-01T00:00:00Z", 2);

    // Assess
    expect(times).toEqual(["2036-02-29T00:00:00Z", "2064-02-29T00:00:00Z"]);
  });

  it("fires L in day-of-week every Saturday", () => {
    // Prepare: 3 Jan 2026 is a Saturday.
    const from = "2026-01-01T00:00:00Z";

    // Act
    const times = fires("cron(0 0 ? * L *)", from, 2);

    // Assess
    expect(times).toEqual(["2026-01-03T00:00:00Z", "2026-01-10T00:00:00Z"]);
  });

  it("honours every value of a list written out of order", () => {
    // Act
    const times = fires("cron(30,10 * * * ? *)", "2026-01-01T00:00:00Z", 3);

    // Assess
    expect(times).toEqual(["2026-01-01T00:10:00Z", "2026-01-01T00:30:00Z", "2026-01-01T01:10:00Z"]);
  });

  it("returns nothing for a schedule that can never fire (30 February)", () => {
    // Act
    const times = fires("cron(0 0 30 2 ? *)", "2026-01-01T00:00:00Z", 1);

    // Assess
    expect(times).toEqual([]);
  });

  it("computes the last Friday in UTC even when the process runs in a time zone with DST", () => {
    // Prepare: Europe/London leaves summer time during the last week of October 2024.
    const originalTimeZone = process.env.TZ;
    process.env.TZ = "Europe/London";
    try {
      expect(new Date(Date.UTC(2024, 6, 1)).getTimezoneOffset()).toBe(-60);

      // Act
      const times = fires("cron(15 10 ? * 6L 2024)", "2024-10-01T00:00:00Z", 1);

      // Assess
      expect(times).toEqual(["2024-10-25T10:15:00Z"]);
    } finally {
      if (originalTimeZone === undefined) delete process.env.TZ;
      else process.env.TZ = originalTimeZone;
    }
  });
});

describe("nextFireTimes for rate schedules", () => {
  it("aligns rate(5 minutes) to whole five-minute periods in UTC without an anchor", () => {
    // Act
    const times = fires("rate(5 minutes)", "2026-11-22T04:08:27Z", 3);

    // Assess
    expect(times).toEqual(["2026-11-22T04:10:00Z", "2026-11-22T04:15:00Z", "2026-11-22T04:20:00Z"]);
  });

  it("counts rate(5 minutes) from the anchor (rule creation), truncated to the minute", () => {
    // Act
    const times = fires("rate(5 minutes)", "2026-11-22T04:08:27Z", 3, "2026-11-22T04:02:30Z");

    // Assess
    expect(times).toEqual(["2026-11-22T04:12:00Z", "2026-11-22T04:17:00Z", "2026-11-22T04:22:00Z"]);
  });

  it("fires first one period after the anchor when asked from before the anchor", () => {
    // Act
    const times = fires("rate(5 minutes)", "2026-11-22T03:00:00Z", 2, "2026-11-22T04:02:30Z");

    // Assess
    expect(times).toEqual(["2026-11-22T04:07:00Z", "2026-11-22T04:12:00Z"]);
  });

  it("returns only times strictly after `after` for a rate schedule", () => {
    // Act
    const times = fires("rate(5 minutes)", "2026-11-22T04:10:00Z", 1);

    // Assess
    expect(times).toEqual(["2026-11-22T04:15:00Z"]);
  });

  it("fires rate(1 day) at midnight UTC without an anchor and at the creation time of day with one", () => {
    // Act
    const aligned = fires("rate(1 day)", "2026-11-22T04:08:27Z", 2);
    const anchored = fires("rate(1 day)", "2026-11-22T04:08:27Z", 2, "2026-11-01T17:45:10Z");

    // Assess
    expect(aligned).toEqual(["2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z"]);
    expect(anchored).toEqual(["2026-11-22T17:45:00Z", "2026-11-23T17:45:00Z"]);
  });
});

describe("nextFireTimes and nextFireTime argument handling", () => {
  it("returns an empty list when asked for zero fires", () => {
    // Act
    const times = fires("rate(1 hour)", "2026-11-22T04:08:27Z", 0);

    // Assess
    expect(times).toEqual([]);
  });

  it("rejects a negative or fractional count and an invalid time with RangeError", () => {
    // Prepare
    const schedule = parseScheduleExpression("rate(1 hour)");

    // Act & Assess
    expect(() => nextFireTimes(schedule, 0, -1)).toThrow(RangeError);
    expect(() => nextFireTimes(schedule, 0, 1.5)).toThrow(RangeError);
    expect(() => nextFireTimes(schedule, new Date("not a date"), 1)).toThrow(RangeError);
    expect(() => nextFireTimes(schedule, 0, 1, { rateAnchorMs: Number.NaN })).toThrow(RangeError);
  });

  it("nextFireTime returns the first of the next fire times", () => {
    // Prepare
    const schedule = parseScheduleExpression("cron(0 9 ? * MON-FRI *)");

    // Act
    const next = nextFireTime(schedule, Date.parse("2026-11-21T12:00:00Z"));

    // Assess
    expect(next?.toISOString()).toBe("2026-11-23T09:00:00.000Z");
  });
});

describe("scheduledTimeKey", () => {
  it("truncates to the minute and drops milliseconds, like EventBridge's scheduled event time", () => {
    // Act
    const key = scheduledTimeKey(new Date("2026-11-22T04:00:59.999Z"));

    // Assess
    expect(key).toBe("2026-11-22T04:00:00Z");
  });

  it("accepts epoch milliseconds", () => {
    // Act
    const key = scheduledTimeKey(Date.UTC(2026, 10, 22, 4, 7, 30));

    // Assess
    expect(key).toBe("2026-11-22T04:07:00Z");
  });

  it("rejects an invalid date with RangeError", () => {
    // Act & Assess
    expect(() => scheduledTimeKey(new Date(Number.NaN))).toThrow(RangeError);
  });
});
