import type { Logger } from "../logger.ts";
import type { TurnOutcome } from "./turn-end.ts";

/**
 * The one way a turn leaves after losing its lease (DESIGN invariant 2): it closes its plugins and
 * writes nothing more — the job belongs to another run, or the sweeper already recorded this one.
 */
export async function stopAfterLostLease(
  log: Logger,
  closePlugins: () => Promise<void>,
  when: "mid-turn" | "before finalize" | "recording the outcome",
): Promise<TurnOutcome> {
  await closePlugins();
  log.warn(`lease lost ${when}: stopped, writing nothing over the new holder or the sweeper's record`);
  return { kind: "lease-lost" };
}
