import { describe, expect, it } from "vitest";
import { diagnoseAbandoned, diagnoseStall } from "#core/runs/diagnostics.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import { describeDuration } from "#core/time-format.ts";

const t0 = Date.UTC(2026, 10, 22, 4, 0, 0);
const run: RunRecord = {
  jobId: "job",
  runId: "01RUN",
  fireKey: "job#x",
  source: "schedule",
  scheduledAt: t0,
  createdAt: t0,
  startedAt: t0,
  status: "running",
  attempt: 1,
  coalescedFires: 1,
  jobVersion: 1,
  leaseToken: 3,
  phase: "runtime-plugins",
  phases: {
    setup: { startedAt: t0, deadlineAt: t0 + 10_000, endedAt: t0 + 1_000, outcome: "ok" },
    "runtime-plugins": { startedAt: t0 + 1_000, deadlineAt: t0 + 46_000 },
  },
  plugins: {
    search: {
      name: "search",
      type: "mcp",
      index: 1,
      required: true,
      state: "starting",
      startedAt: t0 + 2_000,
      deadlineAt: t0 + 22_000,
    },
    github: {
      name: "github",
      type: "mcp",
      index: 0,
      required: false,
      state: "timed-out",
      startedAt: t0 + 1_000,
      endedAt: t0 + 2_000,
    },
    calendar: { name: "calendar", type: "mcp", index: 2, required: true, state: "pending" },
  },
};

describe("diagnostics", () => {
  it("names the phase, the in-flight plugin with its own timeout, what finished and what never started", () => {
    const { error, diagnostic } = diagnoseStall(
      run,
      { jobId: "job", token: 3, holderRunId: "01RUN", phaseDeadlineAt: t0 + 46_000 },
      t0 + 60_000,
    );
    expect(error).toEqual({
      class: "RunStalledError",
      message: 'stalled in phase runtime-plugins with plugin "search" in flight',
      phase: "runtime-plugins",
      plugin: "search",
    });
    expect(diagnostic).toContain(
      'plugin "search" (mcp) was in flight since 2026-11-22T04:00:02Z with its own 20s timeout',
    );
    expect(diagnostic).toContain("finished: github (timed-out, 1s)");
    expect(diagnostic).toContain("never started: calendar");
    expect(diagnostic).toContain("passed 14s ago");
    expect(diagnostic).toContain('Next: check plugin "search"');
  });

  it("says a queued run was never started and where to look", () => {
    const queued: RunRecord = { ...run, status: "queued", phase: undefined, phases: {}, plugins: {} };
    const { diagnostic, error } = diagnoseAbandoned(queued, undefined, t0 + 90_000);
    expect(error.message).toContain("never started");
    expect(diagnostic).toContain("turns queue's dead-letter queue");
  });

  it("formats durations the way an operator reads them", () => {
    expect([850, 12_000, 245_000, 3 * 3600_000 + 12 * 60_000, 50 * 3600_000].map(describeDuration)).toEqual([
      "850ms",
      "12s",
      "4m05s",
      "3h12m",
      "2d02h",
    ]);
  });
});
