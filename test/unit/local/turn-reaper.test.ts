import { describe, expect, it } from "vitest";
import type { LeaseState } from "#core/leases/lease.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import { reasonToStopTurn } from "#local/turn-reaper.ts";

const NOW = Date.parse("2026-11-22T05:00:00Z");
const RUN_ID = "01M80TS8N076CMFP9KWDFTDDGF";
const MAX_RUN_SECONDS = 600;

/** A run that began a minute ago and is in its agent turn. */
const running: RunRecord = {
  jobId: "job",
  runId: RUN_ID,
  fireKey: "job#2026-11-22T04:59:00Z",
  source: "schedule",
  scheduledAt: NOW - 60_000,
  createdAt: NOW - 60_000,
  status: "running",
  attempt: 1,
  coalescedFires: 0,
  jobVersion: 1,
  leaseToken: 3,
  startedAt: NOW - 59_000,
  phase: "agent-turn",
  phases: {},
  plugins: {},
};

/** Its lease: renewed 20 s ago, due in 40 s, in a phase due in 5 min. */
function heldLease(changes: Partial<LeaseState> = {}): LeaseState {
  return {
    jobId: "job",
    token: 3,
    holderRunId: RUN_ID,
    acquiredAt: NOW - 60_000,
    heartbeatAt: NOW - 20_000,
    expiresAt: NOW + 40_000,
    phase: "agent-turn",
    phaseDeadlineAt: NOW + 300_000,
    ...changes,
  };
}

const reasonFor = (lease: LeaseState | undefined, run: RunRecord | undefined, nowMs = NOW) =>
  reasonToStopTurn({ runId: RUN_ID, maxRunSeconds: MAX_RUN_SECONDS, lease, run, nowMs });

describe("which turn processes the local runtime stops before a sweep", () => {
  it("lets a run that renews its lease and is within its phase run on", () => {
    expect(reasonFor(heldLease(), running)).toBeUndefined();
  });

  it("stops the process of a run whose lease expired without a heartbeat (the sweeper would call it gone)", () => {
    expect(reasonFor(heldLease({ expiresAt: NOW - 1 }), running)).toMatch(
      /lease expired at .* without a heartbeat/,
    );
  });

  it("stops the process of a run still heartbeating long past its phase deadline (about to be ended as stalled)", () => {
    const lease = heldLease({ phaseDeadlineAt: NOW - 60_000, heartbeatAt: NOW - 5_000 });
    expect(reasonFor(lease, running)).toMatch(/phase agent-turn passed its deadline .*stalled/);
  });

  it("lets a run just past its phase deadline end itself (the sweeper's grace)", () => {
    const lease = heldLease({ phaseDeadlineAt: NOW - 1_000, heartbeatAt: NOW - 500 });
    expect(reasonFor(lease, running)).toBeUndefined();
  });

  it("never stops a queued run's process that has not begun, even past its start deadline (waiting is not dying)", () => {
    const lease = heldLease({ phase: undefined, phaseDeadlineAt: undefined, expiresAt: NOW - 60_000 });
    const queued: RunRecord = { ...running, status: "queued", startedAt: undefined, phase: undefined };
    expect(reasonFor(lease, queued)).toBeUndefined();
  });

  it("stops the process of a run the sweeper already ended", () => {
    const abandoned: RunRecord = {
      ...running,
      status: "abandoned",
      endedAt: NOW - 500,
      error: { class: "RunAbandonedError", message: "x" },
    };
    expect(reasonFor({ jobId: "job", token: 3 }, abandoned)).toMatch(
      /ended as abandoned \(RunAbandonedError\) while its process still ran/,
    );
  });

  it("gives a run that recorded its own end time to exit, then stops its process", () => {
    const failed: RunRecord = {
      ...running,
      status: "failed",
      endedAt: NOW - 1_000,
      error: { class: "HarnessFailedError", message: "x" },
    };
    const free: LeaseState = { jobId: "job", token: 3 };
    expect(reasonFor(free, failed)).toBeUndefined();
    expect(reasonFor(free, failed, NOW + 60_000)).toMatch(
      /recorded its end 61s ago but its process did not exit/,
    );
  });

  it("leaves a run whose lease another run holds, but that is not ended, to its own lease-lost stop", () => {
    const lease = heldLease({ holderRunId: "01M80TS8N076CMFP9KWDFTDDXX" });
    expect(reasonFor(lease, running)).toBeUndefined();
  });
});
