import { describe, expect, it } from "vitest";
import { nextFireTimes, oneTimeInstant } from "#core/jobs/next-fire.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import { instantsAtWallTime, offsetAt, timeZoneProblem } from "#core/jobs/time-zone.ts";

/** The fires of `expression` in `timezone` from `from` (UTC) on, as UTC ISO strings. */
function firesOf(expression: string, timezone: string, from: string, count: number): string[] {
  return nextFireTimes(parseScheduleExpression(expression), Date.parse(from), count, { timezone }).map(
    (date) => date.toISOString(),
  );
}

const daily0230 = "cron(30 2 * * ? *)";

// What EventBridge Scheduler documents for daylight saving time: "When the time shifts forward in
// Spring, your schedule invocation gets skipped if the cron expression falls on a non-existent date
// and time. When the time shifts back in the Fall, your schedule runs only once and doesn't repeat
// its invocation." Where a time occurs twice, it runs at the first occurrence.
describe("a 02:30 daily job across daylight saving time", () => {
  it("America/New_York: skipped on 14 March 2027 (02:00 → 03:00), once on 7 November (02:30 is after the repeated hour)", () => {
    expect(firesOf(daily0230, "America/New_York", "2027-03-13T00:00:00Z", 3)).toEqual([
      "2027-03-13T07:30:00.000Z", // 02:30 EST
      // 14 March has no 02:30
      "2027-03-15T06:30:00.000Z", // 02:30 EDT
      "2027-03-16T06:30:00.000Z",
    ]);
    expect(firesOf(daily0230, "America/New_York", "2027-11-06T00:00:00Z", 3)).toEqual([
      "2027-11-06T06:30:00.000Z", // 02:30 EDT
      "2027-11-07T07:30:00.000Z", // 02:30 EST: the clocks repeat 01:00-01:59, not 02:30
      "2027-11-08T07:30:00.000Z",
    ]);
  });

  it("Europe/Berlin: skipped on 28 March 2027 (02:00 → 03:00), once at the first 02:30 on 31 October (03:00 → 02:00)", () => {
    expect(firesOf(daily0230, "Europe/Berlin", "2027-03-27T00:00:00Z", 2)).toEqual([
      "2027-03-27T01:30:00.000Z", // 02:30 CET
      "2027-03-29T00:30:00.000Z", // 02:30 CEST; 28 March has no 02:30
    ]);
    expect(firesOf(daily0230, "Europe/Berlin", "2027-10-30T12:00:00Z", 2)).toEqual([
      "2027-10-31T00:30:00.000Z", // 02:30 CEST, the first of two 02:30s; not again at 01:30Z (CET)
      "2027-11-01T01:30:00.000Z",
    ]);
  });

  it("Australia/Lord_Howe (a 30-minute shift): 02:30 runs both days; 02:15 is skipped in spring, 01:45 runs once in autumn", () => {
    // 3 October 2027: 02:00 → 02:30 (+10:30 → +11). 02:30 exists, 02:00-02:29 does not.
    expect(firesOf(daily0230, "Australia/Lord_Howe", "2027-10-02T00:00:00Z", 2)).toEqual([
      "2027-10-02T15:30:00.000Z", // 02:30 on 3 October, already at +11
      "2027-10-03T15:30:00.000Z",
    ]);
    expect(firesOf("cron(15 2 * * ? *)", "Australia/Lord_Howe", "2027-10-02T00:00:00Z", 1)).toEqual([
      "2027-10-03T15:15:00.000Z", // 02:15 on 4 October: 3 October has no 02:15
    ]);
    // 4 April 2027: 02:00 → 01:30 (+11 → +10:30). 01:30-01:59 occurs twice; 02:30 once.
    expect(firesOf(daily0230, "Australia/Lord_Howe", "2027-04-03T00:00:00Z", 2)).toEqual([
      "2027-04-03T16:00:00.000Z", // 02:30 at +10:30
      "2027-04-04T16:00:00.000Z",
    ]);
    expect(firesOf("cron(45 1 * * ? *)", "Australia/Lord_Howe", "2027-04-03T00:00:00Z", 2)).toEqual([
      "2027-04-03T14:45:00.000Z", // the first 01:45 (+11); not again at 15:15Z
      "2027-04-04T15:15:00.000Z",
    ]);
  });

  it("skips the repeated hour's second pass for a schedule inside it (every 20 minutes, Berlin, 31 October 2027)", () => {
    expect(firesOf("cron(0/20 * * * ? *)", "Europe/Berlin", "2027-10-31T00:10:00Z", 4)).toEqual([
      "2027-10-31T00:20:00.000Z", // 02:20 CEST
      "2027-10-31T00:40:00.000Z", // 02:40 CEST
      "2027-10-31T02:00:00.000Z", // 03:00 CET: 02:00-02:40 CET would be repeats
      "2027-10-31T02:20:00.000Z",
    ]);
  });

  it("starts from a moment inside the repeated hour without firing the first pass's times again", () => {
    // 01:20Z on 31 October 2027 is 02:20 CET, the second pass; the 02:30 fire was at 00:30Z.
    expect(firesOf(daily0230, "Europe/Berlin", "2027-10-31T01:20:00Z", 1)).toEqual([
      "2027-11-01T01:30:00.000Z",
    ]);
  });

  it("reads cron in UTC when the zone is UTC, as EventBridge rules do", () => {
    expect(firesOf(daily0230, "UTC", "2027-03-14T00:00:00Z", 2)).toEqual([
      "2027-03-14T02:30:00.000Z",
      "2027-03-15T02:30:00.000Z",
    ]);
  });

  it("counts a rate in elapsed time, whatever the zone", () => {
    const fires = nextFireTimes(
      parseScheduleExpression("rate(1 day)"),
      Date.parse("2027-03-13T12:00:00Z"),
      2,
      {
        timezone: "America/New_York",
        rateAnchorMs: Date.parse("2027-03-13T12:00:00Z"),
      },
    ).map((date) => date.toISOString());
    expect(fires).toEqual(["2027-03-14T12:00:00.000Z", "2027-03-15T12:00:00.000Z"]);
  });
});

describe("one-time at() schedules", () => {
  it("fire once, at the wall time in the job's zone, and never again after it", () => {
    const at = parseScheduleExpression("at(2027-01-15T09:00:00)");
    expect(nextFireTimes(at, Date.parse("2027-01-01T00:00:00Z"), 3, { timezone: "Europe/Berlin" })).toEqual([
      new Date("2027-01-15T08:00:00Z"),
    ]);
    expect(nextFireTimes(at, Date.parse("2027-01-15T08:00:00Z"), 3, { timezone: "Europe/Berlin" })).toEqual(
      [],
    );
    expect(nextFireTimes(at, Date.parse("2027-01-01T00:00:00Z"), 1)).toEqual([
      new Date("2027-01-15T09:00:00Z"),
    ]);
  });

  it("have no instant when the clocks skip their time, and the first one when they repeat it", () => {
    const skipped = parseScheduleExpression("at(2027-03-14T02:30:00)");
    const repeated = parseScheduleExpression("at(2027-11-07T01:30:00)");
    if (skipped.kind !== "at" || repeated.kind !== "at") throw new Error("expected at() schedules");
    expect(oneTimeInstant(skipped.at, "America/New_York")).toBeUndefined();
    expect(oneTimeInstant(repeated.at, "America/New_York")).toBe(Date.parse("2027-11-07T05:30:00Z"));
  });
});

describe("time zone names", () => {
  it.each([
    ["UTC", undefined],
    ["Europe/Berlin", undefined],
    ["Australia/Lord_Howe", undefined],
    ["europe/berlin", 'must be written as the tz database writes it: "Europe/Berlin"'],
    ["+01:00", "is a fixed offset"],
    ["GMT+1", "is a fixed offset"],
    ["Mars/Olympus_Mons", "is not a time zone in the IANA tz database"],
    ["Europe/Berlin; DROP", "is not an IANA time zone name"],
    ["", "is empty"],
  ])("%s → %s", (name, problem) => {
    const found = timeZoneProblem(name);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe("wall time and instants in a zone", () => {
  it("finds no instant for a skipped wall time, two for a repeated one, one otherwise", () => {
    const wall = (text: string) => Date.parse(`${text}Z`);
    expect(instantsAtWallTime(wall("2027-03-14T02:30:00"), "America/New_York")).toEqual([]);
    expect(instantsAtWallTime(wall("2027-11-07T01:30:00"), "America/New_York")).toEqual([
      Date.parse("2027-11-07T05:30:00Z"),
      Date.parse("2027-11-07T06:30:00Z"),
    ]);
    expect(instantsAtWallTime(wall("2027-04-04T01:45:00"), "Australia/Lord_Howe")).toEqual([
      Date.parse("2027-04-03T14:45:00Z"),
      Date.parse("2027-04-03T15:15:00Z"),
    ]);
    expect(instantsAtWallTime(wall("2027-07-01T12:00:00"), "UTC")).toEqual([wall("2027-07-01T12:00:00")]);
  });

  it("reads a zone's offset at an instant, including half-hour offsets", () => {
    expect(offsetAt(Date.parse("2027-01-15T12:00:00Z"), "Australia/Lord_Howe")).toBe(11 * 3_600_000);
    expect(offsetAt(Date.parse("2027-07-15T12:00:00Z"), "Australia/Lord_Howe")).toBe(10.5 * 3_600_000);
    expect(offsetAt(Date.parse("2027-07-15T12:00:00Z"), "America/New_York")).toBe(-4 * 3_600_000);
  });
});
