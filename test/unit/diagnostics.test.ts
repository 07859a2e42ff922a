import { describe, expect, it } from "vitest";
import { diagnoseNotStarted, diagnoseStall } from "#core/runs/diagnostics.ts";
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

  it("says a queued run was not started in time, and tells a saturated turn function from lost handoffs", () => {
    const queued: RunRecord = {
      ...run,
      status: "queued",
      phase: undefined,
      phases: {},
      plugins: {},
      createdAt: t0,
      startDeadlineAt: t0 + 15 * 60_000,
      handoffs: 3,
    };
    const backlogged = diagnoseNotStarted(queued, t0 + 15 * 60_000 + 1, { waiting: 340, inFlight: 20 });
    expect(backlogged.error).toMatchObject({ class: "RunNotStartedError" });
    expect(backlogged.error.message).toBe(
      "not started within 15m00s: turns queue: 340 messages waiting, 20 in flight",
    );
    expect(backlogged.diagnostic).toContain("handed to the turns queue 3 times");
    expect(backlogged.diagnostic).toContain("the turn function is saturated");
    const idle = diagnoseNotStarted(queued, t0 + 15 * 60_000 + 1, { waiting: 0, inFlight: 0 });
    expect(idle.diagnostic).toContain("the handoffs were lost or the turn fails before it begins a run");
    expect(idle.diagnostic).toContain("turns dead-letter queue");
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
