/** Polls an async condition every 25 ms until it holds; fails with `description` after `timeoutMs`. */
export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  description = "the condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
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
