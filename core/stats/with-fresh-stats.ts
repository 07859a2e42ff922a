import { TransientError } from "../errors.ts";
import { emptyStats, type JobStats } from "./job-stats.ts";

/** The answer of a write whose stats moved between reading and writing them: read them again. */
export interface StatsConflict {
  readonly kind: "stats-conflict";
}

function isStatsConflict(result: unknown): result is StatsConflict {
  return (result as { kind?: unknown } | undefined)?.kind === "stats-conflict";
}

/** Conflicts in a row before the step backs off (as a transient error) and tries again later. */
const MAX_CONFLICTS = 5;

/**
 * Writes something together with the job's stats, which are versioned (`runsEnded`): `write` gets
 * the stats it was computed from and the stats after; when another run's end moved them in
 * between, it answers a StatsConflict and this reads them again and recomputes. The one retry loop
 * for stats — the turn's finish and the sweeper's endings both go through it.
 *
 * @throws TransientError after MAX_CONFLICTS conflicts in a row (the caller's retry backs off).
 */
export async function writeWithFreshStats<R>(
  readStats: () => Promise<JobStats | undefined>,
  jobId: string,
  params: { readonly known?: JobStats; readonly next: (before: JobStats) => JobStats },
  write: (before: JobStats, after: JobStats) => Promise<R | StatsConflict>,
): Promise<{ readonly result: Exclude<R, StatsConflict>; readonly statsAfter: JobStats }> {
  let before = params.known;
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    if (!before || attempt > 0) before = (await readStats()) ?? emptyStats(jobId);
    const after = params.next(before);
    const result = await write(before, after);
    if (!isStatsConflict(result)) return { result: result as Exclude<R, StatsConflict>, statsAfter: after };
  }
  throw new TransientError(`job ${jobId}: its stats kept changing while recording a run's end`, {
    service: "dynamodb",
    operation: "TransactWriteItems",
    code: "StatsConflict",
    maybeApplied: false,
  });
}
