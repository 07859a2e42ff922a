/** An AbortSignal that aborts with `reason` after `ms` (now if `ms` ≤ 0); `clear()` cancels it. */
export function deadlineSignal(ms: number, reason: Error): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  if (ms <= 0) {
    controller.abort(reason);
    return { signal: controller.signal, clear: () => {} };
  }
  const timer = setTimeout(() => controller.abort(reason), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * Settles like `work`, unless `signal` aborts first — then waits at most `graceMs` more for `work`
 * (time for a harness to hand back partial output) before rejecting with the signal's reason. A
 * harness or plugin that ignores its signal cannot hold the turn past its budget this way.
 */
export function settleWithin<T>(work: Promise<T>, signal: AbortSignal, graceMs = 0): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let graceTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      graceTimer = setTimeout(() => reject(signal.reason), graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        clearTimeout(graceTimer);
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(graceTimer);
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
