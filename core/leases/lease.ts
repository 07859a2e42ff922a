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
  readonly heartbeatAt?: number;
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

export function isExpired(lease: LeaseState, nowMs: number): boolean {
  return lease.expiresAt !== undefined && lease.expiresAt < nowMs;
}
