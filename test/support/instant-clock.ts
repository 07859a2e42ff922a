import { type CancelTimer, ManualClock } from "#core/clock.ts";

/**
 * A manual clock whose timers fire as soon as the event loop is free, moving time forward to
 * their due time: code that backs off or waits on a deadline runs at once in real time while the
 * times it records stay exact. For tests of retries and budgets, not of heartbeats (a heartbeat's
 * next timer would fire at once too).
 */
export class InstantClock extends ManualClock {
  override setTimer(ms: number, callback: () => void): CancelTimer {
    const cancel = super.setTimer(ms, callback);
    const dueAt = this.now() + Math.max(0, ms);
    setImmediate(() => {
      if (this.now() < dueAt) this.set(dueAt);
      else this.set(this.now());
    });
    return cancel;
  }
}

/**
 * Moves a manual clock forward by `stepMs` every few real milliseconds until `work` settles, so
 * code that waits on the clock (back-off, heartbeats, deadlines) runs through simulated minutes in
 * a moment while its I/O stays real. Returns how `work` settled.
 */
export async function advanceUntilSettled<T>(
  clock: ManualClock,
  work: Promise<T>,
  stepMs = 1_000,
): Promise<{ value?: T; error?: unknown }> {
  let settled: { value?: T; error?: unknown } | undefined;
  work.then(
    (value) => {
      settled = { value };
    },
    (error: unknown) => {
      settled = { error };
    },
  );
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (!settled) clock.advance(stepMs);
  }
  return settled;
}
