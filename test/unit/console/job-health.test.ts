import { describe, expect, it } from "vitest";
import { jobHealth } from "../../../cli/console/job-health.ts";
import { jobStateOf, statsOf, T0 } from "./fixtures.ts";

describe("a job's health at a glance", () => {
  it("is failing when the failure rate reaches the job's threshold over minRuns runs, even if the last run passed", () => {
    const five = jobStateOf({
      stats: statsOf({
        recentOutcomes: ["failed", "succeeded", "failed", "failed", "succeeded"],
        failureRate: 0.6,
      }),
    });
    const four = jobStateOf({
      stats: statsOf({ recentOutcomes: ["failed", "succeeded", "failed", "succeeded"], failureRate: 0.5 }),
    });
    expect(jobHealth(five, T0)).toMatchObject({
      level: "bad",
      label: "failing",
      reason: expect.stringContaining("3 of its last 5 runs failed (60%"),
    });
    // Fewer runs than minRuns (5): not yet a rate, like the alarm topic's verdict.
    expect(jobHealth(four, T0).level).toBe("ok");
  });

  it("shows the stored verdict of an unhealthy job, and recovering until it is healthy again", () => {
    const reason = {
      code: "no-completed-run" as const,
      message: "none of its last 5 runs completed (5 cancelled)",
      firstCommand: "npx agentcron runs inbox",
    };
    const record = {
      jobId: "inbox",
      reasons: [reason],
      since: T0,
      updatedAt: T0,
      basis: { runsEnded: 5, firesSkipped: 0 },
    };
    expect(jobHealth(jobStateOf({ unhealthy: record }), T0)).toMatchObject({
      level: "bad",
      label: "not completing",
      reason: reason.message,
    });
    expect(jobHealth(jobStateOf({ unhealthy: { ...record, reasons: [] } }), T0)).toMatchObject({
      level: "warn",
      label: "recovering",
    });
  });

  it("is failing at the consecutive-failure alarm, and only to watch below it", () => {
    const three = statsOf({
      consecutiveFailures: 3,
      recentOutcomes: ["succeeded", "failed", "failed", "failed"],
      failureRate: 0.4,
    });
    const one = statsOf({
      consecutiveFailures: 1,
      recentOutcomes: ["succeeded", "succeeded", "succeeded", "failed"],
      failureRate: 0.25,
      lastStatus: "failed",
    });
    expect(jobHealth(jobStateOf({ stats: three }), T0)).toMatchObject({ level: "bad", label: "failing" });
    expect(jobHealth(jobStateOf({ stats: one }), T0)).toMatchObject({
      level: "warn",
      label: "last run failed",
    });
  });

  it("is stuck when a run holds the job past its lease", () => {
    const state = jobStateOf({ lease: { jobId: "inbox", token: 4, holderRunId: "01JZ", expiresAt: T0 - 1 } });
    expect(jobHealth(state, T0)).toMatchObject({ level: "bad", label: "stuck" });
  });

  it("is invalid, paused, bouncing fires, new or healthy as the state says", () => {
    expect(
      jobHealth(jobStateOf({ issues: [{ path: "agent.harness", message: "not registered" }] }), T0).label,
    ).toBe("invalid");
    expect(jobHealth(jobStateOf({ enabled: false }), T0).label).toBe("paused");
    expect(jobHealth(jobStateOf({ stats: statsOf({ consecutiveSkips: 3 }) }), T0).label).toBe(
      "fires bounced",
    );
    expect(jobHealth(jobStateOf({ stats: undefined }), T0).label).toBe("no runs yet");
    expect(jobHealth(jobStateOf(), T0)).toMatchObject({ level: "ok", label: "healthy" });
  });
});
