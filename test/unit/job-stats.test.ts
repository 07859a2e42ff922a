import { describe, expect, it } from "vitest";
import { emptyStats, failureRate, recordRunOutcome } from "#core/stats/job-stats.ts";

describe("job stats", () => {
  it("counts consecutive failures and resets them on a success", () => {
    let stats = emptyStats("job");
    for (const status of ["failed", "stalled", "abandoned"] as const) {
      stats = recordRunOutcome(stats, { status, runId: status, endedAt: 1 }, 10);
    }
    expect(stats.consecutiveFailures).toBe(3);
    stats = recordRunOutcome(stats, { status: "succeeded", runId: "ok", endedAt: 2 }, 10);
    expect(stats).toMatchObject({
      consecutiveFailures: 0,
      lastStatus: "succeeded",
      lastRunId: "ok",
      runsEnded: 4,
    });
  });

  it("keeps only the window's outcomes and computes the rate over them", () => {
    let stats = emptyStats("job");
    for (const status of ["failed", "failed", "failed", "succeeded", "succeeded", "failed"] as const) {
      stats = recordRunOutcome(stats, { status, runId: "r", endedAt: 1 }, 4);
    }
    expect(stats.recentOutcomes).toEqual(["failed", "succeeded", "succeeded", "failed"]);
    expect(stats.failureRate).toBe(0.5);
  });

  it("treats a run cancelled by `replace` as neither a failure nor a success", () => {
    let stats = recordRunOutcome(emptyStats("job"), { status: "failed", runId: "a", endedAt: 1 }, 10);
    stats = recordRunOutcome(stats, { status: "cancelled", runId: "b", endedAt: 2 }, 10);
    expect(stats.consecutiveFailures).toBe(1);
    expect(failureRate(["cancelled", "succeeded"])).toBe(0);
  });
});
