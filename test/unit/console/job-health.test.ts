import { describe, expect, it } from "vitest";
import { jobHealth } from "../../../cli/console/job-health.ts";
import { jobStateOf, statsOf, T0 } from "./fixtures.ts";

describe("a job's health at a glance", () => {
  it("is failing when the failure rate reaches the job's alarm threshold, even if the last run passed", () => {
    const state = jobStateOf({
      stats: statsOf({ recentOutcomes: ["failed", "succeeded", "failed", "succeeded"], failureRate: 0.5 }),
    });
    expect(jobHealth(state, T0)).toMatchObject({
      level: "bad",
      label: "failing",
      reason: expect.stringContaining("50% of the last 4"),
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
