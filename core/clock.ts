/** Cancels a timer set with {@link Clock.setTimer}; calling it twice, or after it fired, does nothing. */
export type CancelTimer = () => void;

/**
 * Port: the time source and the timers. Every timing decision in the core reads it and every wait
 * in the core is one of its timers — never a bare `setTimeout` — so tests and the fault simulation
 * can move time themselves, and a run's timers can be accounted for (DESIGN invariant 11).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` once, `ms` from now (as soon as possible when `ms` ≤ 0). */
  setTimer(ms: number, callback: () => void): CancelTimer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const timer = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** Waits `ms` on `clock`; rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(signal?.reason);
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** An AbortSignal that aborts with `reason` after `ms` on `clock` (now if `ms` ≤ 0); `clear()` cancels it. */
export function deadlineSignal(
  clock: Clock,
  ms: number,
  reason: Error,
): { signal: AbortSignal; clear: CancelTimer } {
  const controller = new AbortController();
  if (ms <= 0) {
    controller.abort(reason);
    return { signal: controller.signal, clear: () => {} };
  }
  const clear = clock.setTimer(ms, () => controller.abort(reason));
  return { signal: controller.signal, clear };
}

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that only moves when told to (tests, benchmarks). Its timers fire, in order of due time,
 * when `advance` or `set` moves the clock past them.
 */
export class ManualClock implements Clock {
  private timers: ManualTimer[] = [];
  private seq = 0;

  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const timer: ManualTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((candidate) => candidate !== timer);
    };
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  set(epochMs: number): void {
    for (;;) {
      const next = this.nextDue(epochMs);
      if (!next) break;
      this.timers = this.timers.filter((candidate) => candidate !== next);
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = epochMs;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  private nextDue(until: number): ManualTimer | undefined {
    let next: ManualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.at > until) continue;
      if (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) next = timer;
    }
    return next;
  }
}
