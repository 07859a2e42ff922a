import type { CancelTimer, Clock } from "../clock.ts";

/**
 * Settles like `work`, unless `signal` aborts first — then waits at most `graceMs` more (on `clock`)
 * for `work` (time for a harness to hand back partial output) before rejecting with the signal's
 * reason. A harness or plugin that ignores its signal cannot hold the turn past its budget this way.
 */
export function settleWithin<T>(
  clock: Clock,
  work: Promise<T>,
  signal: AbortSignal,
  graceMs = 0,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cancelGrace: CancelTimer = () => {};
    const onAbort = () => {
      cancelGrace = clock.setTimer(graceMs, () => reject(signal.reason));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => {
      cancelGrace();
      signal.removeEventListener("abort", onAbort);
    };
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
