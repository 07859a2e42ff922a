import { describe, expect, it } from "vitest";
import { peakSimultaneousFires, simultaneousFiresWarning } from "#core/jobs/fire-concurrency.ts";

const job = (id: string, schedule: string, enabled = true) => ({ id, schedule, enabled });

describe("jobs that fire in the same minute", () => {
  it("finds the busiest minute of a day, counting only enabled jobs", () => {
    const jobs = [
      ...Array.from({ length: 6 }, (_, index) => job(`hourly-${index}`, "cron(0 * * * ? *)")),
      job("half-past", "cron(30 * * * ? *)"),
      job("every-15", "cron(0/15 * * * ? *)"),
      job("paused", "cron(0 * * * ? *)", false),
    ];
    const peak = peakSimultaneousFires(jobs);
    expect(peak.peak).toBe(7);
    expect(new Date(peak.at).getUTCMinutes()).toBe(0);
    expect(peak.jobIds).not.toContain("paused");
  });

  it("warns when more can fire at once than turns run, naming them and what to do", () => {
    const jobs = Array.from({ length: 25 }, (_, index) => job(`report-${index}`, "cron(0 9 * * ? *)"));
    const warning = simultaneousFiresWarning(jobs, 20);
    expect(warning?.path).toBe("jobs");
    expect(warning?.message).toContain("25 jobs can fire in the same minute (e.g. 09:00 UTC: report-0");
    expect(warning?.message).toContain("at most 20 turns run at once");
    expect(warning?.message).toContain("startDeadlineSeconds");
    expect(simultaneousFiresWarning(jobs, 25)).toBeUndefined();
  });
});
