import { asTransientError } from "#adapters/aws/transient-errors.ts";

/**
 * Polls an async condition every 25 ms until it holds; fails with `description` after `timeoutMs`.
 * A condition that throws an error the engine would retry (throttling, a 5xx — DynamoDB Local
 * answers 500 "waiting for a lock" on a busy machine — or a dropped connection: `asTransientError`)
 * is polled again, and the last such error is named if time runs out; any other error fails the
 * wait at once.
 */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  description = "the condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      if (!asTransientError(error, { service: "test", operation: description })) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last = lastError === undefined ? "" : ` (the last check failed: ${String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The bound of a "stopped promptly" check (an abort honoured, a timeout applied). Far above what a
 * busy 2-core machine adds to a stop (seconds at worst), and far below what the work would take if
 * the stop were missed (the tests make that a minute or more, or forever) — so the check fails only
 * when the stop is really missed, never because the machine is slow.
 */
export const PROMPTLY_MS = 15_000;
