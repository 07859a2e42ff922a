import type { Logger } from "../logger.ts";
import type { RunFence } from "../ports.ts";
import { retryTransient } from "../retry.ts";
import type { RunOutputRecord } from "../runs/run-output.ts";
import type { TurnDependencies } from "./turn-dependencies.ts";

/** How long keeping the output may retry through transient failures: recording the end matters more. */
const KEEP_OUTPUT_BUDGET_MS = 10_000;

/**
 * Keeps the run's full output (and an agent process's stream tails) next to its record, before the
 * end is recorded — so whoever sees the run ended can read its output. Losing it never fails the
 * run: the record still keeps the output's summary.
 */
export async function keepRunOutput(
  deps: Pick<TurnDependencies, "store" | "clock">,
  log: Logger,
  fence: RunFence,
  output: RunOutputRecord | undefined,
  historyRetentionDays: number,
): Promise<void> {
  if (!output) return;
  try {
    await retryTransient(
      () => deps.store.saveRunOutput(fence, output, { nowMs: deps.clock.now(), historyRetentionDays }),
      {
        clock: deps.clock,
        step: `run ${fence.runId}: keeping its output`,
        until: deps.clock.now() + KEEP_OUTPUT_BUDGET_MS,
      },
    );
  } catch (error) {
    log.warn("could not keep the run's full output; its record keeps the summary", {
      bytes: output.bytes,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
