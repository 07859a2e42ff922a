import { AsyncLocalStorage } from "node:async_hooks";
import type { CancelTimer, Clock } from "#core/clock.ts";
import { currentOrigin, type Invocation, runAs, type ServiceOrigin } from "./origin.ts";
import { TimerHeap } from "./timer-heap.ts";

interface SimTimer {
  readonly at: number;
  readonly seq: number;
  /** The invocation that set it (undefined for the simulated services' own timers). */
  readonly owner: Invocation | undefined;
  readonly fire: () => void;
  /** Cancelled timers stay in the heap until they reach its top, then are skipped. */
  cancelled: boolean;
}

/** What happened to the application's timers, for the summary. */
export interface TimerCounts {
  /** Timers set by invocations. */
  set: number;
  /** Timers of killed invocations, dropped instead of fired (the process is gone). */
  discarded: number;
  /** Timers that fired after the invocation that set them had returned (they outlived it). */
  firedAfterReturn: number;
}

/**
 * The simulation's time. It implements the Clock port the handlers are wired with, so every wait in
 * the engine (back-off, heartbeats, deadlines, the demo harness's delay) is one of its timers; and
 * the simulated services (EventBridge, the sweeper's schedule, function timeouts) schedule their
 * events on it too. Time only moves when the simulation says so: to the next timer, when nothing
 * else can run.
 *
 * Each timer captures the async context it was set in, so the work it triggers is attributed to the
 * invocation that set it; a timer of a killed invocation is discarded (its process is gone).
 */
export class SimClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap = new TimerHeap<SimTimer>();
  readonly counts: TimerCounts = { set: 0, discarded: 0, firedAfterReturn: 0 };
  /** Bumped whenever a timer is set; the scheduler uses it to see that work is still unfolding. */
  activity = 0;

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const origin = currentOrigin();
    const owner = origin?.kind === "invocation" ? origin : undefined;
    const inContext = AsyncLocalStorage.snapshot();
    if (owner) this.counts.set++;
    return this.add(this.current + Math.max(0, ms), owner, () => {
      if (owner?.state === "returned") this.counts.firedAfterReturn++;
      inContext(callback);
    });
  }

  /** A simulated service's event at `at` (epoch ms), run on behalf of `service`. */
  schedule(at: number, service: ServiceOrigin, callback: () => void): CancelTimer {
    return this.add(Math.max(at, this.current), undefined, () => runAs(service, callback));
  }

  /** When the next live timer is due, or undefined when none is left. */
  nextDueAt(): number | undefined {
    return this.peekLive()?.at;
  }

  /**
   * Fires the next live timer, moving time to its due time (never backwards). Returns false when
   * no timer is left.
   */
  fireNext(): boolean {
    const timer = this.peekLive();
    if (!timer) return false;
    this.heap.pop();
    // Popped: a late cancel() of this timer must do nothing.
    timer.cancelled = true;
    this.current = Math.max(this.current, timer.at);
    if (timer.owner?.state === "killed") {
      this.counts.discarded++;
      return true;
    }
    timer.fire();
    return true;
  }

  /** Moves time forward to `epochMs` without firing anything (only when no timer is due before). */
  advanceTo(epochMs: number): void {
    const next = this.nextDueAt();
    if (next !== undefined && next < epochMs) throw new Error("advanceTo would skip a due timer");
    this.current = Math.max(this.current, epochMs);
  }

  /** Live timers set by invocations that have ended (returned or killed). */
  leftoverTimers(): number {
    return this.heap
      .entries()
      .filter((timer) => !timer.cancelled && timer.owner !== undefined && timer.owner.state !== "running")
      .length;
  }

  private add(at: number, owner: Invocation | undefined, fire: () => void): CancelTimer {
    const timer: SimTimer = { at, seq: this.seq++, owner, fire, cancelled: false };
    this.heap.push(timer);
    this.activity++;
    return () => {
      timer.cancelled = true;
    };
  }

  private peekLive(): SimTimer | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (!top?.cancelled) return top;
      this.heap.pop();
    }
  }
}
