import { describe, expect, it } from "vitest";
import { describeSchedule } from "../../../cli/render/schedule-words.ts";

describe("a schedule in words", () => {
  it.each([
    ["rate(1 minute)", "Every minute"],
    ["rate(5 minutes)", "Every 5 minutes"],
    ["rate(1 day)", "Every day"],
    ["cron(0/1 * * * ? *)", "Every minute"],
    ["cron(0/30 * * * ? *)", "Every 30 minutes"],
    ["cron(5/15 * * * ? *)", "Every 15 minutes from minute 5 of each hour"],
    ["cron(0 * * * ? *)", "Every hour, on the hour"],
    ["cron(15 * * * ? *)", "Every hour at :15"],
    ["cron(0 12 * * ? *)", "At 12:00 UTC"],
    ["cron(0 7 ? * MON *)", "At 07:00 UTC, on Mondays"],
    ["cron(30 8 ? * MON-FRI *)", "At 08:30 UTC, Monday to Friday"],
    ["cron(0 10 ? * SAT,SUN *)", "At 10:00 UTC, on weekends"],
    ["cron(0 9,17 * * ? *)", "At 09:00 and 17:00 UTC"],
    ["cron(0/15 9-17 ? * MON-FRI *)", "Every 15 minutes, during the hours 09:00–17:59 UTC, Monday to Friday"],
    ["cron(0 12 L * ? *)", "At 12:00 UTC, on the last day of the month"],
    ["cron(0 12 ? * 6#3 *)", "At 12:00 UTC, on the third Friday of the month"],
    ["cron(0 12 ? * 6L *)", "At 12:00 UTC, on the last Friday of the month"],
    ["cron(30 2 1,15 * ? *)", "At 02:30 UTC, on days 1 and 15 of the month"],
    ["cron(0 0 1 JAN ? 2027)", "At 00:00 UTC, on day 1 of the month, in January, in 2027"],
  ])("says %s as %j", (expression, words) => {
    expect(describeSchedule(expression)).toBe(words);
  });

  it("says UTC whenever the time of day matters, and only then", () => {
    expect(describeSchedule("cron(0/5 * * * ? *)")).not.toContain("UTC");
    expect(describeSchedule("cron(0/5 * ? * MON *)")).toContain("(UTC)");
  });

  it("gives back text that is not a valid schedule as it is", () => {
    expect(describeSchedule("every tuesday")).toBe("every tuesday");
    expect(describeSchedule("cron(0 25 * * ? *)")).toBe("cron(0 25 * * ? *)");
  });
});
