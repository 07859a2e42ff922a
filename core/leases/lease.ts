import type { PhaseName } from "../runs/run-record.ts";

/** A fire waiting for the job to free up (`buffer-one` / `replace`); later fires coalesce into it. */
export interface PendingFire {
  /** The run the fires queued behind; one buffer per busy period, so it doubles as the buffer id. */
  readonly bufferId: string;
  readonly count: number;
  readonly firstScheduledAt: number;
  readonly lastScheduledAt: number;
}

/**
 * The job's lease item: the running marker with a fencing token (DESIGN invariants 1, 2). It never
 * depends on TTL deletion: expiry is `expiresAt < now` in condition expressions.
 */
export interface LeaseState {
  readonly jobId: string;
  /** Incremented by every acquisition; 0 before the first. */
  readonly token: number;
  readonly holderRunId?: string;
  readonly acquiredAt?: number;
  readonly expiresAt?: number;
  /** Renewed by the running turn's heartbeats; absent while the run is queued. */
  readonly heartbeatAt?: number;
  /**
   * While the holder is queued: when it must have begun. The queued run's lease expires then —
   * waiting for a turn is not dying (DESIGN invariant 9).
   */
  readonly startDeadlineAt?: number;
  readonly phase?: PhaseName;
  readonly phaseDeadlineAt?: number;
  /** Set by a `replace` fire; the holder sees it at its next heartbeat and stops. */
  readonly stopRequestedAt?: number;
  readonly stopRequestedBy?: string;
  readonly pending?: PendingFire;
  readonly releasedAt?: number;
}

export function isHeld(lease: LeaseState | undefined): lease is LeaseState & { holderRunId: string } {
  return lease?.holderRunId !== undefined;
}

/** The holder has not begun yet (no turn has written a phase): it is a queued run. */
export function holderIsQueued(lease: LeaseState): boolean {
  return isHeld(lease) && lease.phase === undefined;
}

export function isExpired(lease: LeaseState, nowMs: number): boolean {
  return lease.expiresAt !== undefined && lease.expiresAt < nowMs;
}
