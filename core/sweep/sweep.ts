import { drainPendingFire } from "../fires/drain-pending-fire.ts";
import { type OverdueHolderDependencies, settleOverdueHolder } from "../holders/settle-overdue-holder.ts";
import type { JobValidationContext } from "../jobs/job-schema.ts";
import { loadJob } from "../jobs/load-job.ts";
import { FALLBACK_RUN_SETTINGS, type RunSettings } from "../jobs/run-settings.ts";
import { holderIsQueued, isExpired, isHeld, type LeaseState } from "../leases/lease.ts";
import { METRICS } from "../metric-names.ts";
import type { JobStore, MessageQueue, QueueBacklog, SweepStore } from "../ports.ts";
import { retryTransient } from "../retry.ts";
import { HANDOFF_CHECK_INTERVAL_MS, handOffRun, shouldHandOffAgain } from "../runs/handoff.ts";
import type { RunRecord } from "../runs/run-record.ts";
import { checkExpectedFires, type MissedFireSources } from "../schedules/missed-fires.ts";
import { reportUnhealthyJobs } from "../stats/track-job-health.ts";

export interface SweepDependencies extends Omit<OverdueHolderDependencies, "turnsBacklog"> {
  readonly store: SweepStore;
  readonly jobs: Pick<JobStore, "getJob">;
  readonly validation: JobValidationContext;
  /** Buffered fires are drained through the fires queue, like any other fire. */
  readonly fires: MessageQueue;
  readonly turnsBacklog?: QueueBacklog;
  /** Expected fires and where to record the missed ones (core/schedules/missed-fires.ts). */
  readonly missedFires?: MissedFireSources;
}

export interface SweepReport {
  /** Leases the index query returned. */
  overdue: number;
  stalled: string[];
  abandoned: string[];
  /** Runs found past their maxRunSeconds ceiling (stopped from outside). */
  timedOut: string[];
  /** Queued runs no turn began before their start deadline. */
  notStarted: string[];
  retried: string[];
  /** Queued runs handed to the turns queue again. */
  handedOffAgain: string[];
  /** Jobs whose pending (buffered) fire was sent back through dispatch. */
  drained: string[];
  /** Free leases taken out of the sweep index. */
  settled: number;
  /** Jobs whose sweep failed this time (the next sweep tries again). */
  failed: number;
  /** Expected fires that never arrived, recorded as missed (`jobId@time`). */
  missedFires?: string[];
}

/** How long before the sweeper re-sends a drain whose fire has not been taken yet. */
const DRAIN_RESEND_MS = 60_000;

/** A sweep stops retrying store calls this long after it started (the function allows 60 s). */
export const SWEEP_BUDGET_MS = 45_000;

/**
 * One pass of the sweeper (every minute). One index query per shard finds the leases whose sweep
 * time passed — its cost grows with the number of active runs, never with history. For each, on a
 * consistent re-read:
 * - a free lease with a pending fire has it drained; a free lease with nothing pending leaves the
 *   index;
 * - a queued run whose turn has not begun is handed off again when its handoff looks lost, and
 *   ended as `not-started` once its start deadline passed (DESIGN invariant 9);
 * - a running run whose time is up is settled (stalled / abandoned / timed-out, lease released or
 *   handed to a retry), then the job's buffered fire is drained.
 *
 * Every write is conditional, so two overlapping sweeps do no harm: the second one's writes fail
 * their conditions and it moves on. Transient store failures are retried within the sweep's budget.
 */
export async function sweep(deps: SweepDependencies): Promise<SweepReport> {
  const until = deps.clock.now() + SWEEP_BUDGET_MS;
  const report: SweepReport = {
    overdue: 0,
    stalled: [],
    abandoned: [],
    timedOut: [],
    notStarted: [],
    retried: [],
    handedOffAgain: [],
    drained: [],
    settled: 0,
    failed: 0,
  };
  const pass = { ...deps, until, backlog: memoizedBacklog(deps.turnsBacklog) };
  const overdue = await retryTransient(() => deps.store.findOverdueLeases(deps.clock.now()), {
    clock: deps.clock,
    until,
    step: "sweep: finding overdue leases",
  });
  report.overdue = overdue.length;
  for (const indexed of overdue) {
    try {
      await sweepLease(pass, indexed.jobId, report);
    } catch (error) {
      // One job's trouble must not stop the sweep of the others.
      report.failed++;
      deps.log.error("sweep of a job failed; the next sweep tries again", {
        jobId: indexed.jobId,
        error: String(error),
      });
    }
  }
  if (deps.missedFires)
    report.missedFires = (await checkExpectedFires({ ...deps, ...deps.missedFires }, until)).missed;
  await retryTransient(() => deps.store.recordSweep({ ...report }, deps.clock.now()), {
    clock: deps.clock,
    until: Math.max(until, deps.clock.now() + 5_000),
    step: "sweep: recording the pass",
  });
  deps.metrics.add(METRICS.sweepsCompleted, 1, "Count");
  await reportUnhealthyJobs(deps);
  return report;
}

type SweepPass = SweepDependencies & {
  readonly until: number;
  readonly backlog: () => Promise<{ waiting: number; inFlight: number } | undefined>;
};

async function sweepLease(deps: SweepPass, jobId: string, report: SweepReport): Promise<void> {
  const retry = { clock: deps.clock, until: deps.until };
  const candidate = await retryTransient(() => deps.store.loadSweepCandidate(jobId), {
    ...retry,
    step: `sweep: reading job ${jobId}'s lease`,
  });
  if (!candidate) return;
  const { lease, run } = candidate;

  if (!isHeld(lease)) {
    await drainOrSettle(deps, jobId, lease, report);
    return;
  }
  const settings = await settingsOf(deps, jobId);
  if (run?.status === "queued" && holderIsQueued(lease) && !isExpired(lease, deps.clock.now())) {
    await checkQueuedRun(deps, lease, run, report);
    return;
  }
  const outcome = await settleOverdueHolder(
    { ...deps, turnsBacklog: deps.backlog },
    { lease, run, settings, until: deps.until },
  );
  if (outcome.kind !== "ended") return;
  const list = {
    stalled: report.stalled,
    abandoned: report.abandoned,
    "timed-out": report.timedOut,
    "not-started": report.notStarted,
  }[outcome.status];
  list.push(outcome.runId);
  if (outcome.retryRunId) {
    report.retried.push(outcome.retryRunId);
    return;
  }
  // The job is free again: its buffered fire, if any, runs now.
  const { pending } = await retryTransient(() => deps.store.settleLease(jobId), {
    ...retry,
    step: `sweep: settling job ${jobId}'s lease`,
  });
  if (pending) {
    await drain(deps, jobId, pending);
    report.drained.push(jobId);
  }
}

async function drainOrSettle(
  deps: SweepPass,
  jobId: string,
  lease: LeaseState,
  report: SweepReport,
): Promise<void> {
  const retry = { clock: deps.clock, until: deps.until };
  const pending =
    lease.pending ??
    (
      await retryTransient(() => deps.store.settleLease(jobId), {
        ...retry,
        step: `sweep: settling ${jobId}`,
      })
    ).pending;
  if (!pending) {
    report.settled++;
    return;
  }
  await drain(deps, jobId, pending);
  report.drained.push(jobId);
}

async function drain(deps: SweepPass, jobId: string, pending: NonNullable<LeaseState["pending"]>) {
  const retry = { clock: deps.clock, until: deps.until };
  await retryTransient(() => drainPendingFire(deps, jobId, pending), {
    ...retry,
    step: `sweep: draining job ${jobId}'s buffered fire`,
  });
  // Look again in a minute, in case that drain is lost: its fire key makes a second one harmless.
  await retryTransient(
    () => deps.store.postponeSweep(jobId, pending.bufferId, deps.clock.now() + DRAIN_RESEND_MS),
    { ...retry, step: `sweep: postponing job ${jobId}'s next look` },
  );
}

/**
 * A queued run whose turn has not begun, still within its start deadline: hand it off again if its
 * handoff looks lost (see shouldHandOffAgain), and look at it again in a minute — or at its
 * deadline, whichever comes first.
 */
async function checkQueuedRun(
  deps: SweepPass,
  lease: LeaseState & { holderRunId: string },
  run: RunRecord,
  report: SweepReport,
): Promise<void> {
  const retry = { clock: deps.clock, until: deps.until };
  const nowMs = deps.clock.now();
  const again = shouldHandOffAgain(run, nowMs, await deps.backlog());
  const nextCheckAt = Math.min(lease.expiresAt ?? nowMs, nowMs + HANDOFF_CHECK_INTERVAL_MS);
  const stillQueued = await retryTransient(
    () =>
      deps.store.recordHandoff(run, {
        token: lease.token,
        nowMs,
        // The sweep index compares with `<`: one millisecond past the deadline makes it due then.
        nextCheckAt: nextCheckAt + 1,
        handedOff: again,
      }),
    { ...retry, step: `sweep: checking queued run ${run.runId}` },
  );
  if (!again || !stillQueued) return;
  await retryTransient(() => handOffRun(deps.turns, run), {
    ...retry,
    step: `sweep: handing run ${run.runId} off again`,
  });
  deps.metrics.add(METRICS.handoffsResent, 1, "Count");
  deps.log.warn("queued run handed off again: its turn has not begun", {
    jobId: run.jobId,
    runId: run.runId,
    handoffs: (run.handoffs ?? 1) + 1,
  });
  report.handedOffAgain.push(run.runId);
}

function memoizedBacklog(port: QueueBacklog | undefined) {
  let answer: Promise<{ waiting: number; inFlight: number } | undefined> | undefined;
  return () => {
    answer ??= port ? port.backlog().catch(() => undefined) : Promise.resolve(undefined);
    return answer;
  };
}

async function settingsOf(
  deps: Pick<SweepPass, "jobs" | "validation" | "clock" | "until">,
  jobId: string,
): Promise<RunSettings> {
  const loaded = await retryTransient(() => loadJob(deps.jobs, jobId, deps.validation), {
    clock: deps.clock,
    until: deps.until,
    step: `sweep: reading job ${jobId}`,
  });
  return loaded.kind === "valid" ? loaded.job : FALLBACK_RUN_SETTINGS;
}
