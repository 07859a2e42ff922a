import { type Clock, sleep, systemClock } from "#core/clock.ts";

/** A signal that also aborts after a delay; `dispose` clears the timer once the work is done. */
export interface BoundedSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/** The timer of a bounded signal fired; the message says which bound. */
export class DeadlineReachedError extends Error {
  override name = "DeadlineReachedError";
}

/**
 * A signal that aborts when `parent` aborts (with the parent's reason) or after `timeoutMs` (with a
 * {@link DeadlineReachedError} carrying `timeoutMessage`), whichever comes first. A non-positive
 * timeout aborts at once.
 */
export function boundedSignal(
  parent: AbortSignal,
  timeoutMs: number,
  timeoutMessage: string,
  clock: Clock = systemClock,
): BoundedSignal {
  const controller = new AbortController();
  const abortFromParent = () => controller.abort(parent.reason);
  if (parent.aborted) {
    abortFromParent();
    return { signal: controller.signal, dispose() {} };
  }
  parent.addEventListener("abort", abortFromParent, { once: true });
  const cancel = clock.setTimer(Math.max(0, timeoutMs), () =>
    controller.abort(new DeadlineReachedError(timeoutMessage)),
  );
  return {
    signal: controller.signal,
    dispose() {
      cancel();
      parent.removeEventListener("abort", abortFromParent);
    },
  };
}

/**
 * The signal a harness works under: the turn's signal, and also `deadlineAt` in case the caller's
 * signal fires later than the deadline it promised (belt and braces for DESIGN invariant 5).
 */
export function boundedTurnSignal(input: {
  readonly signal: AbortSignal;
  readonly deadlineAt: number;
  readonly clock: Clock;
}): BoundedSignal {
  return boundedSignal(
    input.signal,
    input.deadlineAt - input.clock.now(),
    `the turn's deadline (${new Date(input.deadlineAt).toISOString()}) was reached`,
    input.clock,
  );
}

/** Milliseconds left until `deadlineAt`, at least 1 (SDK timeouts reject 0). */
export function remainingMs(deadlineAt: number): number {
  return Math.max(1, deadlineAt - Date.now());
}

/** Human-readable `signal.reason`: a phase timeout, a lost lease, a stop request... */
export function describeAbortReason(reason: unknown): string {
  if (reason instanceof Error) {
    return reason.message || reason.name;
  }
  if (typeof reason === "string" && reason !== "") {
    return reason;
  }
  return "the turn was stopped";
}

/**
 * Settles like `work`, unless `signal` aborts first: then rejects with the signal's reason at once,
 * so a callee that ignores its signal cannot hold the caller past a stop.
 */
export function raceWithSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // A late rejection of the abandoned work must not surface as an unhandled rejection.
  work.catch(() => {});
  if (signal.aborted) {
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms` on `clock`; rejects with the signal's reason as soon as it aborts. */
export function abortableDelay(ms: number, signal: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return sleep(clock, ms, signal);
}
