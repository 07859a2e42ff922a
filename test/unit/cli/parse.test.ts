import { describe, expect, it } from "vitest";
import { UsageError } from "../../../cli/exit-codes.ts";
import { parseQueueRoles, parseRunStatus, parseSince, parseWholeNumber } from "../../../cli/parse.ts";

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe("--since", () => {
  it.each([
    ["90s", NOW - 90_000],
    ["30m", NOW - 30 * 60_000],
    ["1h", NOW - 3_600_000],
    ["2d", NOW - 2 * 86_400_000],
    ["1w", NOW - 7 * 86_400_000],
    ["2026-11-22T04:00:00Z", Date.UTC(2026, 10, 22, 4)],
    ["2026-11-22T06:00:00+02:00", Date.UTC(2026, 10, 22, 4)],
    ["2026-11-21", Date.UTC(2026, 10, 21)],
    ["2026-11-22T04:00", Date.UTC(2026, 10, 22, 4)],
  ])("reads %s", (text, expected) => {
    expect(parseSince(text, NOW)).toBe(expected);
  });

  it.each(["yesterday", "2x", "-1h", "2026-13-45", ""])(
    "rejects %j as a usage error that shows the accepted forms",
    (text) => {
      expect(() => parseSince(text, NOW)).toThrow(UsageError);
      expect(() => parseSince(text, NOW)).toThrow(/30m, 1h, 2d, 1w.*ISO-8601/);
    },
  );
});

describe("option values", () => {
  it("takes whole numbers within bounds and names the option otherwise", () => {
    expect(parseWholeNumber("20", "--limit", { min: 1, max: 100 })).toBe(20);
    expect(() => parseWholeNumber("0", "--limit", { min: 1, max: 100 })).toThrow(
      /--limit must be a whole number from 1 to 100/,
    );
    expect(() => parseWholeNumber("2.5", "--limit", { min: 1, max: 100 })).toThrow(UsageError);
    expect(() => parseWholeNumber("ten", "--limit", { min: 1, max: 100 })).toThrow(UsageError);
  });

  it("takes a run status and lists the statuses otherwise", () => {
    expect(parseRunStatus("timed-out")).toBe("timed-out");
    expect(() => parseRunStatus("broken")).toThrow(
      /succeeded, failed, stalled, timed-out, abandoned, cancelled/,
    );
  });

  it("reads the DLQ argument as one queue, or both when omitted", () => {
    expect(parseQueueRoles(undefined)).toEqual(["fires", "turns"]);
    expect(parseQueueRoles("turns")).toEqual(["turns"]);
    expect(() => parseQueueRoles("dispatch")).toThrow(UsageError);
  });
});
