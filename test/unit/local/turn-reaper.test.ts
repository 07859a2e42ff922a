import { describe, expect, it } from "vitest";
import type { LeaseState } from "#core/leases/lease.ts";
import { reasonToStopTurn } from "#local/turn-reaper.ts";

const NOW = Date.parse("2026-11-22T05:00:00Z");
const RUN = "01M80TS8N076CMFP9KWDFTDDGF";

/** The lease of a run that began and heartbeats, due in 40 s, in a phase due in 5 min. */
function heldLease(changes: Partial<LeaseState> = {}): LeaseState {
  return {
    jobId: "job",
    token: 3,
    holderRunId: RUN,
    acquiredAt: NOW - 60_000,
    heartbeatAt: NOW - 20_000,
    expiresAt: NOW + 40_000,
    phase: "agent-turn",
    phaseDeadlineAt: NOW + 300_000,
    ...changes,
  };
}

describe("which turn processes the local runtime stops before a sweep", () => {
  it("lets a run that renews its lease and is within its phase run on", () => {
    expect(reasonToStopTurn({ runId: RUN, lease: heldLease(), run: undefined, nowMs: NOW })).toBeUndefined();
  });

  it("stops the process of a run whose lease expired without a heartbeat (the sweeper would call it gone)", () => {
    const reason = reasonToStopTurn({
      runId: RUN,
      lease: heldLease({ expiresAt: NOW - 1 }),
      run: undefined,
      nowMs: NOW,
    });
    expect(reason).toMatch(/lease expired at .* without a heartbeat/);
  });

  it("stops the process of a run whose phase passed its deadline", () => {
    const reason = reasonToStopTurn({
      runId: RUN,
      lease: heldLease({ phaseDeadlineAt: NOW - 1 }),
      run: undefined,
      nowMs: NOW,
    });
    expect(reason).toMatch(/phase agent-turn passed its deadline/);
  });

  it("never stops a queued run's process that has not begun, even past its lease (waiting is not dying)", () => {
    const lease = heldLease({ phase: undefined, phaseDeadlineAt: undefined, expiresAt: NOW - 60_000 });
    expect(reasonToStopTurn({ runId: RUN, lease, run: undefined, nowMs: NOW })).toBeUndefined();
  });

  it("stops the process of a run the sweeper already ended", () => {
    const reason = reasonToStopTurn({
      runId: RUN,
      lease: { jobId: "job", token: 3 },
      run: { status: "abandoned", endedAt: NOW - 500, error: { class: "RunAbandonedError", message: "x" } },
      nowMs: NOW,
    });
    expect(reason).toMatch(/ended as abandoned \(RunAbandonedError\) while its process still ran/);
  });

  it("gives a run that recorded its own end time to exit, then stops its process", () => {
    const ended = {
      status: "failed" as const,
      endedAt: NOW - 1_000,
      error: { class: "HarnessFailedError", message: "x" },
    };
    const free: LeaseState = { jobId: "job", token: 3 };
    expect(reasonToStopTurn({ runId: RUN, lease: free, run: ended, nowMs: NOW })).toBeUndefined();
    expect(reasonToStopTurn({ runId: RUN, lease: free, run: ended, nowMs: NOW + 60_000 })).toMatch(
      /recorded its end 61s ago but its process did not exit/,
    );
  });

  it("leaves a run that another run's lease replaced but that is not ended yet to its own lease-lost stop", () => {
    const lease = heldLease({ holderRunId: "01M80TS8N076CMFP9KWDFTDDXX" });
    expect(reasonToStopTurn({ runId: RUN, lease, run: { status: "running" }, nowMs: NOW })).toBeUndefined();
  });
});
