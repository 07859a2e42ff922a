import type { Clock } from "../clock.ts";
import { LeaseLostError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { RunFence, RunStore } from "../ports.ts";
import { StopRequestedError } from "./stop-reasons.ts";

/**
 * Renews a running turn's lease on a heartbeat. A heartbeat that finds the lease gone (taken over,
 * or released by the sweeper) or a stop request (`replace`) calls `onStop` once with the reason —
 * the turn then stops, and after a lost lease writes nothing more (DESIGN invariant 2).
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private phaseDeadlineAt = 0;
  private stopped = false;
  private lost = false;

  constructor(
    private readonly deps: { store: Pick<RunStore, "heartbeat">; clock: Clock; log: Logger },
    private readonly fence: RunFence,
    private readonly leaseSeconds: number,
    private readonly intervalMs: number,
    private readonly onStop: (reason: Error) => void,
  ) {}

  get leaseLost(): boolean {
    return this.lost;
  }

  start(phaseDeadlineAt: number): void {
    this.phaseDeadlineAt = phaseDeadlineAt;
    this.schedule();
  }

  /** The sweep index keys on the current phase's deadline; heartbeats keep it current. */
  setPhaseDeadline(phaseDeadlineAt: number): void {
    this.phaseDeadlineAt = phaseDeadlineAt;
  }

  /** A fenced write found the lease gone. */
  markLost(): void {
    this.lost = true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.beat(), this.intervalMs);
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      const result = await this.deps.store.heartbeat(this.fence, {
        nowMs: this.deps.clock.now(),
        leaseSeconds: this.leaseSeconds,
        phaseDeadlineAt: this.phaseDeadlineAt,
      });
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
      if (result.stopRequestedAt !== undefined) this.onStop(new StopRequestedError(result.stopRequestedBy));
    } catch (error) {
      // A failed heartbeat is not a lost lease: try again at the next beat, while the lease lasts.
      this.deps.log.warn("heartbeat failed; retrying at the next beat", { error: String(error) });
    }
    this.schedule();
  }
}
