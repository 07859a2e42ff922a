/**
 * Paces control-plane calls (EventBridge PutRule, Scheduler CreateSchedule, ...): a token bucket
 * bounds the request rate, a limit bounds how many are in flight, throttling is retried with capped
 * exponential backoff and full jitter, a quota error is final, and a deadline stops new work so a
 * caller with a time budget (the deploy's custom resource) can hand the rest to its next
 * invocation. Time is injected, so tests run a 10,000-job reconcile in virtual time.
 */

/** Where time comes from; real time by default, virtual time in tests and benchmarks. */
export interface PacerTiming {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTiming: PacerTiming = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RequestPacerOptions {
  /** Requests per second the bucket refills with. */
  readonly requestsPerSecond: number;
  /** Most requests sent at once (the bucket's size). @default requestsPerSecond */
  readonly burst?: number;
  /** Most requests in flight. @default 8 */
  readonly concurrency?: number;
  /**
   * Attempts per request when it is throttled (1 = no retry), when there is no `deadlineAt`. With a
   * deadline, throttling is retried until the deadline instead: the caller has a time budget and
   * hands unfinished work to its next pass, so a request throttled many times in a row (chance,
   * at 10,000 requests) ends the pass early rather than failing the deploy. @default 8
   */
  readonly maxAttempts?: number;
  /** First backoff; each retry doubles it, up to `maxBackoffMs`, with full jitter. @default 200 */
  readonly baseBackoffMs?: number;
  /** @default 10000 */
  readonly maxBackoffMs?: number;
  /** No new request starts after this time (epoch ms of `timing`). @default none */
  readonly deadlineAt?: number;
  readonly timing?: PacerTiming;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * Turns a quota error (the service says "no more of these", not "slower") into the error to
   * throw, which is final; return undefined for any other error.
   */
  readonly quotaError?: (error: unknown) => Error | undefined;
}

/** The deadline passed before every request could start; the work left is for a next attempt. */
export class PacerDeadlineError extends Error {
  override name = "PacerDeadlineError";
  /** Set by {@link forEachResumable}: every item up to this key is done. */
  resumeAfter?: string;
}

/** A request was still throttled after its last attempt. */
export class PacerThrottledError extends Error {
  override name = "PacerThrottledError";
}

const THROTTLE_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "InternalException",
  "InternalServerException",
  "InternalFailure",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);

/** Throttling, a 5xx or a network timeout: the same request may succeed later. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { name, $metadata, code } = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = $metadata?.httpStatusCode ?? 0;
  return (
    THROTTLE_NAMES.has(name ?? "") ||
    status === 429 ||
    status >= 500 ||
    ["ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNREFUSED"].includes(code ?? "") ||
    name === "TimeoutError"
  );
}

export class RequestPacer {
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly timing: PacerTiming;
  private readonly random: () => number;
  /** Requests sent (attempts), and how many of them were throttled: for logs and benchmarks. */
  readonly counts = { requests: 0, throttled: 0 };

  constructor(private readonly options: RequestPacerOptions) {
    if (!(options.requestsPerSecond > 0)) throw new RangeError("requestsPerSecond must be > 0");
    this.timing = options.timing ?? realTiming;
    this.random = options.random ?? Math.random;
    this.tokens = this.burst;
    this.refilledAt = this.timing.now();
  }

  private get burst(): number {
    return Math.max(1, this.options.burst ?? this.options.requestsPerSecond);
  }

  /** Whether the deadline has passed (no new request would start). */
  pastDeadline(): boolean {
    return this.options.deadlineAt !== undefined && this.timing.now() >= this.options.deadlineAt;
  }

  /**
   * Sends one request: waits for a slot and a token, retries throttling with backoff.
   * @throws the quota error `quotaError` makes of a quota error, at once.
   * @throws PacerDeadlineError when the deadline passes before the request (or its retry) starts.
   * @throws PacerThrottledError when every attempt was throttled (only without a deadline: with
   *   one, throttling is retried until the deadline, then PacerDeadlineError); any other error as it came.
   */
  async send<T>(what: string, request: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      const maxAttempts = Math.max(1, this.options.maxAttempts ?? 8);
      for (let attempt = 1; ; attempt++) {
        await this.takeToken(what);
        this.counts.requests++;
        try {
          return await request();
        } catch (error) {
          const quota = this.options.quotaError?.(error);
          if (quota) throw quota;
          if (!isRetryable(error)) throw error;
          this.counts.throttled++;
          if (this.options.deadlineAt === undefined && attempt >= maxAttempts) {
            throw new PacerThrottledError(
              `${what} was throttled ${attempt} times in a row (${(error as Error).name}); try again later or lower the request rate`,
            );
          }
          await this.sleepUntilDeadline(this.backoffMs(attempt), what);
        }
      }
    } finally {
      this.releaseSlot();
    }
  }

  /**
   * Runs `work` for every item, at most `concurrency` at once (each call through {@link send} is
   * paced). Stops starting items once one fails; waits for those in flight; rethrows the first
   * failure.
   */
  async forEach<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (!failure && next < items.length) {
        const item = items[next++] as T;
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    const workers = Math.max(1, Math.min(this.options.concurrency ?? 8, items.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure) throw failure.error;
  }

  private backoffMs(attempt: number): number {
    const cap = Math.min(
      this.options.maxBackoffMs ?? 10_000,
      (this.options.baseBackoffMs ?? 200) * 2 ** (attempt - 1),
    );
    return Math.round(this.random() * cap);
  }

  private async takeToken(what: string): Promise<void> {
    for (;;) {
      if (this.pastDeadline()) throw new PacerDeadlineError(`the time budget ran out before ${what}`);
      const now = this.timing.now();
      this.tokens = Math.min(
        this.burst,
        this.tokens + ((now - this.refilledAt) / 1000) * this.options.requestsPerSecond,
      );
      this.refilledAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.timing.sleep(Math.ceil(((1 - this.tokens) / this.options.requestsPerSecond) * 1000));
    }
  }

  private async sleepUntilDeadline(ms: number, what: string): Promise<void> {
    const deadline = this.options.deadlineAt;
    if (deadline !== undefined && this.timing.now() + ms >= deadline) {
      throw new PacerDeadlineError(`the time budget ran out while ${what} was throttled`);
    }
    await this.timing.sleep(ms);
  }

  private async acquireSlot(): Promise<void> {
    const limit = Math.max(1, this.options.concurrency ?? 8);
    while (this.inFlight >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

/**
 * {@link RequestPacer.forEach} over items in key order, skipping those at or before `resumeAfter`
 * (done by an earlier, interrupted pass). When the deadline stops it, the error carries the key up
 * to which every item is done, for the next pass to resume after.
 */
export async function forEachResumable<T>(
  pacer: RequestPacer,
  items: readonly T[],
  keyOf: (item: T) => string,
  resumeAfter: string | undefined,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const ordered = items
    .map((item) => ({ item, key: keyOf(item) }))
    .filter((entry) => resumeAfter === undefined || entry.key > resumeAfter)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const done = new Array<boolean>(ordered.length).fill(false);
  try {
    await pacer.forEach(
      ordered.map((entry, index) => ({ ...entry, index })),
      async (entry) => {
        await work(entry.item);
        done[entry.index] = true;
      },
    );
  } catch (error) {
    if (error instanceof PacerDeadlineError) {
      const firstUndone = done.indexOf(false);
      error.resumeAfter = firstUndone <= 0 ? resumeAfter : ordered[firstUndone - 1]?.key;
    }
    throw error;
  }
}
