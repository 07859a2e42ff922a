import { type Clock, sleep } from "./clock.ts";
import { StoreUnavailableError, TransientError } from "./errors.ts";

export interface RetryOptions {
  readonly clock: Clock;
  /** What is being attempted, for the error when the budget runs out (e.g. `run X: begin`). */
  readonly step: string;
  /** Epoch ms (on `clock`) after which no new attempt starts. */
  readonly until: number;
  /** Stops waiting between attempts (the attempt in flight is not interrupted). */
  readonly signal?: AbortSignal;
  /** First back-off, doubled each attempt. @default 100 */
  readonly baseDelayMs?: number;
  /** Largest back-off. @default 5000 */
  readonly maxDelayMs?: number;
  /** Called before each wait; for logs and metrics. */
  readonly onRetry?: (error: TransientError, attempt: number, delayMs: number) => void;
  /** [0, 1) random source for the jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, retrying only {@link TransientError}s with capped exponential
 * back-off and full jitter, for as long as the budget (`until`) allows. Any other error is thrown at
 * once. When the budget runs out, throws {@link StoreUnavailableError} naming the step.
 *
 * The attempt receives its number (0 first) and whether an earlier attempt may have been applied
 * (it failed ambiguously), for writes that need to know.
 */
export async function retryTransient<T>(
  attempt: (number: number, earlierMaybeApplied: boolean) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const startedAt = options.clock.now();
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 5000;
  const random = options.random ?? Math.random;
  let maybeApplied = false;
  for (let number = 0; ; number++) {
    try {
      return await attempt(number, maybeApplied);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      maybeApplied ||= error.detail.maybeApplied;
      const delayMs = Math.round(random() * Math.min(cap, base * 2 ** number));
      const now = options.clock.now();
      if (now + delayMs >= options.until || options.signal?.aborted) {
        throw new StoreUnavailableError(options.step, number + 1, now - startedAt, error);
      }
      options.onRetry?.(error, number + 1, delayMs);
      await sleep(options.clock, delayMs, options.signal).catch(() => {
        // Aborted while waiting: one more attempt is still allowed by the budget; it decides.
      });
    }
  }
}
