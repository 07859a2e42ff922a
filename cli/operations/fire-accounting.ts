import { listRecentFires } from "#adapters/dynamodb/reads.ts";
import type { FireRecord } from "#core/runs/run-record.ts";
import type { Deployment } from "../target.ts";

/**
 * What became of a job's last fires. Every fire ends as exactly one outcome; the buffered ones wait
 * on the lease and later run together, coalesced, as one drained run (a fire of source `buffered`).
 */
export interface FireAccounting {
  /** The fires read, newest first: scheduled and manual fires, and the drains of buffered ones. */
  readonly fires: readonly FireRecord[];
  /** Scheduled and manual fires by outcome (`run`, `skipped`, `buffered`, `rejected`, `missed`...). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Scheduled and manual fires counted (drains are not fires of their own). */
  readonly total: number;
  /** Drains of buffered fires that ran: each is one run standing for the buffered fires before it. */
  readonly drainedRuns: number;
}

/** The outcomes every accounting shows, even at zero, in this order. */
export const FIRE_OUTCOMES = ["run", "skipped", "buffered", "rejected", "missed"] as const;

/** Reads a job's last `count` fires and counts their outcomes. */
export async function readFireAccounting(
  deployment: Deployment,
  jobId: string,
  count: number,
): Promise<FireAccounting> {
  return accountFires(await listRecentFires(deployment.table, jobId, count));
}

/** Counts fire outcomes: fires by outcome, drains apart. */
export function accountFires(fires: readonly FireRecord[]): FireAccounting {
  const outcomes: Record<string, number> = Object.fromEntries(FIRE_OUTCOMES.map((outcome) => [outcome, 0]));
  let drainedRuns = 0;
  let total = 0;
  for (const fire of fires) {
    if (fire.source === "buffered") {
      if (fire.outcome === "run") drainedRuns++;
      continue;
    }
    total++;
    outcomes[fire.outcome] = (outcomes[fire.outcome] ?? 0) + 1;
  }
  return { fires, outcomes, total, drainedRuns };
}
