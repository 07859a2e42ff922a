import type { CancelTimer, Clock } from "../clock.ts";
import { LeaseLostError, StoreUnavailableError, type TransientError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type { Metrics, RunFence, RunStore } from "../ports.ts";
import { retryTransient } from "../retry.ts";
import { StopRequestedError } from "./stop-reasons.ts";

/**
 * The share of the lease after its last renewal at which a run that could not renew it stops its
 * work: the rest (a quarter, 15 s of a 60 s lease) is for the harness to hand back what it has
 * before anyone else may take the job over. A run never works on a lease it cannot prove it holds.
 */
const SAFE_SHARE_OF_LEASE = 0.75;

/**
 * Renews a running turn's lease on a heartbeat, and watches that it stays renewed.
 *
 * - A heartbeat that finds the lease gone (taken over, or released by the sweeper) or a stop
 *   request (`replace`) calls `onStop` once with the reason — the turn then stops, and after a lost
 *   lease writes nothing more (DESIGN invariant 2).
 * - A heartbeat that fails for a passing reason is retried with back-off until the next one is due.
 * - If no renewal (heartbeat or progress write) succeeded for three quarters of the lease, the
 *   store is not answering: `onStop` is called with StoreUnavailableError, so the harness stops
 *   before the lease could expire and another run begin — two runs of a job never overlap.
 * - `stop()` cancels every timer; nothing it started outlives the turn (DESIGN invariant 11).
 */
export class LeaseKeeper {
  private cancelBeat: CancelTimer = () => {};
  private cancelWatchdog: CancelTimer = () => {};
  private phaseDeadlineAt = 0;
  private stopped = false;
  private lost = false;
  private renewedAt: number;
  private readonly leaseMs: number;
  private readonly beats = new AbortController();

  constructor(
    private readonly deps: {
      store: Pick<RunStore, "heartbeat">;
      clock: Clock;
      log: Logger;
      metrics: Metrics;
    },
    private readonly fence: RunFence,
    leaseSeconds: number,
    private readonly intervalMs: number,
    private readonly onStop: (reason: Error) => void,
  ) {
    this.leaseMs = leaseSeconds * 1000;
    this.renewedAt = deps.clock.now();
  }

  get leaseLost(): boolean {
    return this.lost;
  }

  /** Until when the run may still write and work on its lease (it renews it with every write). */
  get safeUntil(): number {
    return this.renewedAt + this.leaseMs * SAFE_SHARE_OF_LEASE;
  }

  /** Starts heartbeating; the lease was just renewed at `renewedAt` (the run began). */
  start(phaseDeadlineAt: number, renewedAt: number): void {
    this.phaseDeadlineAt = phaseDeadlineAt;
    this.renewed(renewedAt);
    this.scheduleBeat();
  }

  /** The sweep index keys on the current phase's deadline; heartbeats keep it current. */
  setPhaseDeadline(phaseDeadlineAt: number): void {
    this.phaseDeadlineAt = phaseDeadlineAt;
  }

  /** A fenced write (heartbeat or progress) renewed the lease at `atMs`. */
  renewed(atMs: number): void {
    this.renewedAt = Math.max(this.renewedAt, atMs);
    if (this.stopped) return;
    this.cancelWatchdog();
    this.cancelWatchdog = this.deps.clock.setTimer(this.safeUntil - this.deps.clock.now(), () =>
      this.renewalOverdue(),
    );
  }

  /** A fenced write found the lease gone. */
  markLost(): void {
    this.lost = true;
  }

  stop(): void {
    this.stopped = true;
    this.beats.abort();
    this.cancelBeat();
    this.cancelWatchdog();
  }

  private scheduleBeat(): void {
    if (this.stopped) return;
    this.cancelBeat = this.deps.clock.setTimer(this.intervalMs, () => void this.beat());
  }

  private renewalOverdue(): void {
    if (this.stopped) return;
    const silentMs = this.deps.clock.now() - this.renewedAt;
    this.deps.metrics.add(METRICS.storeUnavailable, 1, "Count", { step: "heartbeat" });
    this.deps.log.error("could not renew the lease; stopping the run before it could expire", { silentMs });
    this.onStop(
      new StoreUnavailableError(
        `run ${this.fence.runId}: renewing its lease`,
        Math.max(1, Math.floor(silentMs / this.intervalMs)),
        silentMs,
        this.lastFailure,
      ),
    );
  }

  private lastFailure: TransientError | undefined;

  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      let sentAt = this.deps.clock.now();
      const result = await retryTransient(
        () => {
          sentAt = this.deps.clock.now();
          return this.deps.store.heartbeat(this.fence, {
            nowMs: sentAt,
            leaseSeconds: this.leaseMs / 1000,
            phaseDeadlineAt: this.phaseDeadlineAt,
          });
        },
        {
          clock: this.deps.clock,
          step: `run ${this.fence.runId}: heartbeat`,
          until: Math.min(sentAt + this.intervalMs, this.safeUntil),
          signal: this.beats.signal,
          onRetry: () => this.deps.metrics.add(METRICS.transientRetries, 1, "Count", { step: "heartbeat" }),
        },
      );
      if (this.stopped) return;
      if (result.kind === "lease-lost") {
        this.lost = true;
        this.stop();
        const holder = result.lease?.holderRunId;
        this.onStop(
          new LeaseLostError(
            `run ${this.fence.runId} lost its lease${holder ? ` to run ${holder}` : ""}; it stops and writes nothing more`,
          ),
        );
        return;
      }
      // Renewed as of when the heartbeat was sent: the store extended the lease from that instant.
      this.renewed(sentAt);
      if (result.stopRequestedAt !== undefined) this.onStop(new StopRequestedError(result.stopRequestedBy));
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        this.lastFailure = error.lastError;
        this.deps.log.warn("heartbeat failed; trying again at the next beat", { error: error.message });
      } else {
        this.deps.log.error("heartbeat failed unexpectedly; trying again at the next beat", {
          error: String(error),
        });
      }
    }
    this.scheduleBeat();
  }
}
