import { describe, expect, it } from "vitest";
import type { ScheduledJob } from "#core/ports.ts";
import {
  ARRIVAL_MARGIN_MS,
  armedWatch,
  arrivalWindowOf,
  dueAtOf,
  graceMsOf,
  nextExpectedAfter,
  timingKeyOf,
} from "#core/schedules/fire-watch.ts";
import { neverArrivedDetail } from "#core/schedules/missed-fires.ts";

const job = (overrides: Partial<ScheduledJob>): ScheduledJob => ({
  id: "job",
  schedule: "cron(0 9 * * ? *)",
  enabled: true,
  ...overrides,
});
const at = (iso: string) => Date.parse(iso);

describe("a job's expected fire", () => {
  it("is the next cron time in the job's zone, checked after the start deadline, the flexible window and a margin", () => {
    const watch = armedWatch(
      job({ timezone: "Europe/Berlin", startDeadlineSeconds: 300, flexibleWindowMinutes: 10 }),
      at("2027-01-04T12:00:00Z"),
    );

    expect(watch.expectedAt).toBe(at("2027-01-05T08:00:00Z"));
    expect(watch.graceMs).toBe(300_000 + 600_000 + ARRIVAL_MARGIN_MS);
    expect(dueAtOf(watch)).toBe(at("2027-01-05T08:00:00Z") + watch.graceMs);
    expect(arrivalWindowOf({ ...watch, expectedAt: at("2027-01-05T08:00:00Z") })).toEqual({
      fromMs: at("2027-01-05T08:00:00Z"),
      toMs: at("2027-01-05T08:00:59.999Z"),
    });
  });

  it("waits for the second occurrence of a time the clocks repeat, in case the scheduler fires at that one", () => {
    // 02:30 in Berlin on 31 October 2027 comes at 00:30Z (summer time) and again at 01:30Z.
    const watch = armedWatch(
      job({ schedule: "cron(30 2 * * ? *)", timezone: "Europe/Berlin" }),
      at("2027-10-30T12:00:00Z"),
    );

    expect(watch.expectedAt).toBe(at("2027-10-31T00:30:00Z"));
    expect(arrivalWindowOf({ ...watch, expectedAt: at("2027-10-31T00:30:00Z") })).toEqual({
      fromMs: at("2027-10-31T00:30:00Z"),
      toMs: at("2027-10-31T01:30:59.999Z"),
    });
    expect(dueAtOf(watch)).toBe(at("2027-10-31T01:30:00Z") + watch.graceMs);
  });

  it("counts a rate from now, and takes any fire since the previous expected one as this one", () => {
    const watch = armedWatch(job({ schedule: "rate(5 minutes)" }), at("2027-01-04T12:00:30Z"));

    expect(watch.expectedAt).toBe(at("2027-01-04T12:05:30Z"));
    expect(arrivalWindowOf({ ...watch, expectedAt: at("2027-01-04T12:05:30Z") })).toEqual({
      fromMs: at("2027-01-04T12:01:30Z"),
      toMs: at("2027-01-04T12:06:29.999Z"),
    });
    expect(nextExpectedAfter(watch, at("2027-01-04T12:05:00Z"))).toBe(at("2027-01-04T12:10:00Z"));
  });

  it("expects nothing of a paused job, a one-time job whose time passed, or after a one-time fire", () => {
    const paused = armedWatch(job({ enabled: false }), at("2027-01-04T12:00:00Z"));
    const passed = armedWatch(job({ schedule: "at(2027-01-01T09:00:00)" }), at("2027-01-04T12:00:00Z"));
    const oneTime = armedWatch(job({ schedule: "at(2027-01-15T09:00:00)" }), at("2027-01-04T12:00:00Z"));

    expect(paused.expectedAt).toBeUndefined();
    expect(dueAtOf(paused)).toBeUndefined();
    expect(passed.expectedAt).toBeUndefined();
    expect(oneTime.expectedAt).toBe(at("2027-01-15T09:00:00Z"));
    expect(nextExpectedAfter(oneTime, at("2027-01-15T09:00:00Z"))).toBeUndefined();
  });

  it("keeps what it knew when armed again, and its timing key changes only with the timing", () => {
    const first = armedWatch(job({}), at("2027-01-04T12:00:00Z"));
    const known = {
      ...first,
      lastArrivedAt: 1,
      missedCount: 3,
      lastMissedAt: 2,
      lastMissedState: "missing" as const,
    };

    const again = armedWatch(job({ schedule: "cron(0 10 * * ? *)" }), at("2027-01-04T12:00:00Z"), known);

    expect(again).toMatchObject({
      lastArrivedAt: 1,
      missedCount: 3,
      lastMissedAt: 2,
      lastMissedState: "missing",
    });
    expect(timingKeyOf(job({}))).toBe(timingKeyOf(job({ description: "words do not matter" })));
    expect(timingKeyOf(job({}))).not.toBe(timingKeyOf(job({ enabled: false })));
    expect(timingKeyOf(job({}))).not.toBe(timingKeyOf(job({ timezone: "Asia/Tokyo" })));
    expect(graceMsOf(job({ schedule: "rate(1 minute)" }))).toBe(120_000 + ARRIVAL_MARGIN_MS);
  });
});

describe("what a missed fire's record says", () => {
  const watch = { jobId: "job", schedule: "cron(0 9 * * ? *)", timezone: "Europe/Berlin", graceMs: 930_000 };

  it.each([
    ["missing", "does not exist (deleted outside agentcron?): agentcron doctor --repair creates it again"],
    ["disabled", "is disabled while the job is enabled: agentcron doctor --repair enables it"],
    ["enabled", "its deliveries fail or are late: check the fires DLQ (agentcron dlq list fires)"],
    ["unknown", "agentcron doctor checks its schedule"],
  ] as const)("names the fire, the grace and, for a %s schedule, what to do", (state, expected) => {
    const detail = neverArrivedDetail(watch, at("2027-01-05T08:00:00Z"), at("2027-01-05T08:20:00Z"), state);

    expect(detail).toContain(
      "no fire for 2027-01-05T08:00:00Z (cron(0 9 * * ? *) in Europe/Berlin) arrived within 15m30s",
    );
    expect(detail).toContain(expected);
  });
});
