import type { Clock } from "../clock.ts";
import { LeaseLostError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type { Metrics, PhaseChange, RunFence, RunStore } from "../ports.ts";
import { retryTransient } from "../retry.ts";
import type { PhaseName, PhaseOutcome, PluginRecord } from "../runs/run-record.ts";
import type { LeaseKeeper } from "./lease-keeper.ts";

/**
 * The run's flight record, written ahead (DESIGN invariant 3): each phase start with its deadline
 * before the phase's work, plugin starts before the plugin, outcomes after. Every write is fenced
 * and renews the lease; a refused write means the lease is gone (LeaseLostError).
 *
 * A write that fails for a passing reason is retried while the run may still work on its lease
 * (DESIGN invariant 10); the writes are idempotent (they set the same values again), so a retry
 * after an ambiguous failure is harmless. If the store stays down that long, the write throws
 * StoreUnavailableError and the phase's work does not start.
 */
export class TurnProgress {
  private queued: PluginRecord[] = [];
  private phaseStartedAt: number;

  constructor(
    private readonly deps: {
      store: Pick<RunStore, "recordProgress">;
      clock: Clock;
      metrics: Metrics;
      log: Logger;
    },
    readonly fence: RunFence,
    private readonly leaseSeconds: number,
    private readonly keeper: LeaseKeeper,
    private current: PhaseName,
    private deadlineAt: number,
    startedAt: number,
  ) {
    this.phaseStartedAt = startedAt;
  }

  get phase(): PhaseName {
    return this.current;
  }

  /** Plugin records to fold into the next write. */
  queuePlugins(records: readonly PluginRecord[]): void {
    this.queued.push(...records);
  }

  /** Ends the current phase (`outcome`) and starts `next` with its deadline; returns the deadline. */
  async enter(next: PhaseName, seconds: number, outcome: PhaseOutcome = "ok"): Promise<number> {
    const nowMs = this.deps.clock.now();
    const deadlineAt = nowMs + seconds * 1000;
    await this.write(
      { end: { phase: this.current, outcome }, start: { phase: next, deadlineAt } },
      deadlineAt,
      [],
    );
    this.endPhaseMetric(nowMs);
    this.current = next;
    this.deadlineAt = deadlineAt;
    this.phaseStartedAt = nowMs;
    this.keeper.setPhaseDeadline(deadlineAt);
    return deadlineAt;
  }

  async plugins(records: PluginRecord[]): Promise<void> {
    await this.write({}, this.deadlineAt, records);
  }

  /** The plugin records not yet written, for the final write (finishRun). */
  takeQueuedPlugins(): PluginRecord[] {
    const records = this.queued;
    this.queued = [];
    return records;
  }

  /** Emits the duration of the phase that is ending now. */
  endPhaseMetric(nowMs = this.deps.clock.now()): void {
    this.deps.metrics.add(METRICS.phaseDuration, nowMs - this.phaseStartedAt, "Milliseconds", {
      jobId: this.fence.jobId,
      phase: this.current,
    });
  }

  private async write(change: PhaseChange, phaseDeadlineAt: number, plugins: PluginRecord[]): Promise<void> {
    const full = { ...change, plugins: [...this.takeQueuedPlugins(), ...plugins] };
    const result = await retryTransient(
      async () => {
        const nowMs = this.deps.clock.now();
        const written = await this.deps.store.recordProgress(this.fence, full, {
          nowMs,
          leaseSeconds: this.leaseSeconds,
          phaseDeadlineAt,
        });
        if (written.kind === "ok") this.keeper.renewed(nowMs);
        return written;
      },
      {
        clock: this.deps.clock,
        step: `run ${this.fence.runId}: recording its progress`,
        until: this.keeper.safeUntil,
        onRetry: (error) => {
          this.deps.metrics.add(METRICS.transientRetries, 1, "Count", { step: "progress" });
          this.deps.log.debug("progress write retried", { error: error.message });
        },
      },
    );
    if (result.kind !== "ok") {
      this.keeper.markLost();
      throw new LeaseLostError(
        `run ${this.fence.runId} can no longer write its progress (${result.kind}); it stops`,
      );
    }
  }
}
