import type { JobValidationContext } from "../jobs/job-schema.ts";
import { loadJob } from "../jobs/load-job.ts";
import { isHeld } from "../leases/lease.ts";
import { METRICS } from "../metric-names.ts";
import type { JobStore, SweepStore } from "../ports.ts";
import { drainPendingFire } from "./drain.ts";
import {
  DEFAULT_HOLDER_SETTINGS,
  type HolderJobSettings,
  type OverdueHolderDependencies,
  settleOverdueHolder,
} from "./settle-overdue-holder.ts";

export interface SweepDependencies extends OverdueHolderDependencies {
  readonly store: SweepStore;
  readonly jobs: Pick<JobStore, "getJob">;
  readonly validation: JobValidationContext;
}

export interface SweepReport {
  /** Leases the index query returned. */
  overdue: number;
  stalled: string[];
  abandoned: string[];
  /** Runs found past their maxRunSeconds ceiling (stopped from outside). */
  timedOut: string[];
  retried: string[];
  /** Jobs whose pending (buffered) fire was sent back through dispatch. */
  drained: string[];
  /** Free leases taken out of the sweep index. */
  settled: number;
}

/** How long before the sweeper re-sends a drain whose fire has not been taken yet. */
const DRAIN_RESEND_MS = 60_000;

/**
 * One pass of the sweeper (every minute). One index query per shard finds the leases whose sweep
 * time passed — its cost grows with the number of active runs, never with history. For each, on a
 * consistent re-read: a held lease whose holder is overdue is settled (stalled / abandoned, lease
 * released or handed to a retry, buffered fire drained); a free lease with a pending fire has it
 * drained; a free lease with nothing pending leaves the index.
 *
 * Every write is conditional, so two overlapping sweeps do no harm: the second one's writes fail
 * their conditions and it moves on.
 */
export async function sweep(deps: SweepDependencies): Promise<SweepReport> {
  const report: SweepReport = {
    overdue: 0,
    stalled: [],
    abandoned: [],
    timedOut: [],
    retried: [],
    drained: [],
    settled: 0,
  };
  const overdue = await deps.store.findOverdueLeases(deps.clock.now());
  report.overdue = overdue.length;
  for (const indexed of overdue) {
    try {
      await sweepLease(deps, indexed.jobId, report);
    } catch (error) {
      // One job's trouble must not stop the sweep of the others.
      deps.log.error("sweep of a job failed; the next sweep tries again", {
        jobId: indexed.jobId,
        error: String(error),
      });
    }
  }
  await deps.store.recordSweep({ ...report }, deps.clock.now());
  deps.metrics.add(METRICS.sweepsCompleted, 1, "Count");
  return report;
}

async function sweepLease(deps: SweepDependencies, jobId: string, report: SweepReport): Promise<void> {
  const candidate = await deps.store.loadSweepCandidate(jobId);
  if (!candidate) return;
  const { lease, run } = candidate;

  if (!isHeld(lease)) {
    const pending = lease.pending ?? (await deps.store.settleLease(jobId)).pending;
    if (!pending) {
      report.settled++;
      return;
    }
    await drainPendingFire(deps, jobId, pending);
    await deps.store.postponeSweep(jobId, pending.bufferId, deps.clock.now() + DRAIN_RESEND_MS);
    report.drained.push(jobId);
    return;
  }

  const outcome = await settleOverdueHolder(deps, {
    lease,
    run,
    settings: await settingsOf(deps, jobId),
    drain: true,
  });
  if (outcome.kind !== "ended") return;
  const list = { stalled: report.stalled, abandoned: report.abandoned, "timed-out": report.timedOut }[
    outcome.status
  ];
  list.push(outcome.runId);
  if (outcome.retryRunId) report.retried.push(outcome.retryRunId);
  if (outcome.drained) report.drained.push(jobId);
}

async function settingsOf(
  deps: Pick<SweepDependencies, "jobs" | "validation">,
  jobId: string,
): Promise<HolderJobSettings> {
  const loaded = await loadJob(deps.jobs, jobId, deps.validation);
  return loaded.kind === "valid" ? loaded.job : DEFAULT_HOLDER_SETTINGS;
}
