import type { Clock } from "../clock.ts";
import type { TurnMessage } from "../fires/fire-message.ts";
import { newRunId } from "../ids.ts";
import { JOB_DEFAULTS, type JobDefinition } from "../jobs/job-schema.ts";
import { isExpired, type LeaseState } from "../leases/lease.ts";
import type { Logger } from "../logger.ts";
import type { LifecycleEvents, MessageQueue, Metrics, RunEndingStore } from "../ports.ts";
import { type Diagnosis, diagnoseAbandoned, diagnoseCeiling, diagnoseStall } from "../runs/diagnostics.ts";
import { reportRunEnd } from "../runs/report-run-end.ts";
import { isActiveStatus, type RunRecord } from "../runs/run-record.ts";
import { emptyStats, recordRunOutcome } from "../stats/job-stats.ts";
import { drainPendingFire } from "./drain.ts";

export interface OverdueHolderDependencies {
  readonly store: RunEndingStore;
  /** Buffered fires are drained through the fires queue, like any other fire. */
  readonly fires: MessageQueue;
  /** Retries of stalled runs are handed to the turns queue. */
  readonly turns: MessageQueue;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly events: LifecycleEvents;
  readonly log: Logger;
}

/** Job settings used when ending a run, with defaults when the job is gone or no longer valid. */
export type HolderJobSettings = Pick<
  JobDefinition,
  "leaseSeconds" | "historyRetentionDays" | "retryOnStall" | "alarms" | "maxRunSeconds"
>;

export const DEFAULT_HOLDER_SETTINGS: HolderJobSettings = {
  leaseSeconds: JOB_DEFAULTS.leaseSeconds,
  historyRetentionDays: JOB_DEFAULTS.historyRetentionDays,
  retryOnStall: JOB_DEFAULTS.retryOnStall,
  maxRunSeconds: JOB_DEFAULTS.setupSeconds + JOB_DEFAULTS.agentTurnSeconds + JOB_DEFAULTS.finalizeSeconds,
  alarms: {
    failureRateThreshold: JOB_DEFAULTS.failureRateThreshold,
    failureRateWindow: JOB_DEFAULTS.failureRateWindow,
    consecutiveFailures: JOB_DEFAULTS.consecutiveFailures,
    consecutiveSkips: JOB_DEFAULTS.consecutiveSkips,
  },
};

export type OverdueStatus = "stalled" | "abandoned" | "timed-out";

export type OverdueHolderOutcome =
  | { readonly kind: "not-overdue" }
  /** Someone else (an overlapping sweep, the run itself) settled it first. */
  | { readonly kind: "settled-elsewhere" }
  | {
      readonly kind: "ended";
      readonly status: OverdueStatus;
      readonly runId: string;
      readonly retryRunId?: string;
      readonly drained: boolean;
    };

/**
 * Ends the run holding a lease whose time is up, when it cannot end itself: `stalled` if its
 * current phase overran its deadline (diagnostic names the phase and in-flight plugin), otherwise
 * `abandoned` if it stopped heartbeating (its process is gone). In one transaction the run is
 * ended, the lease released — or handed to a retry when the job asks for retry-on-stall — and the
 * job's stats updated, conditioned on the holder still being overdue; so a heartbeat that lands
 * first wins, and two overlapping sweeps end it once. Then, unless a retry holds the job, a
 * buffered fire is drained (`drain`).
 */
export async function settleOverdueHolder(
  deps: OverdueHolderDependencies,
  params: {
    lease: LeaseState & { holderRunId: string };
    run: RunRecord | undefined;
    settings: HolderJobSettings;
    drain: boolean;
  },
): Promise<OverdueHolderOutcome> {
  const { lease, run, settings } = params;
  const nowMs = deps.clock.now();
  const phaseOverdue = lease.phaseDeadlineAt !== undefined && lease.phaseDeadlineAt < nowMs;
  if (!phaseOverdue && !isExpired(lease, nowMs)) return { kind: "not-overdue" };
  if (!run || !isActiveStatus(run.status)) {
    // A lease whose holder has no active run record would never be freed by anyone else.
    deps.log.error("lease held by a run that is not active; releasing it", {
      jobId: lease.jobId,
      runId: lease.holderRunId,
      status: run?.status,
    });
    await deps.store.releaseOrphanedLease(lease.jobId, lease.holderRunId, lease.token, nowMs);
    return { kind: "settled-elsewhere" };
  }

  const ceilingPassed = run.startedAt !== undefined && run.startedAt + settings.maxRunSeconds * 1000 < nowMs;
  // Which happened first decides the story: heartbeats stopping before the phase deadline means the
  // process died (abandoned); the phase overrunning while heartbeats went on means it hung (stalled).
  const diedFirst =
    isExpired(lease, nowMs) &&
    (lease.phaseDeadlineAt === undefined || (lease.expiresAt ?? 0) <= lease.phaseDeadlineAt);
  const overdue = diedFirst || !phaseOverdue ? "lease-expired" : "phase-overdue";
  const status: OverdueStatus = ceilingPassed
    ? "timed-out"
    : overdue === "lease-expired"
      ? "abandoned"
      : "stalled";
  const diagnosis =
    status === "timed-out"
      ? diagnoseCeiling(run, lease, nowMs, settings.maxRunSeconds)
      : status === "stalled"
        ? diagnoseStall(run, lease, nowMs)
        : diagnoseAbandoned(run, lease, nowMs);
  const retryRun = run.attempt <= settings.retryOnStall ? retryOf(run, nowMs) : undefined;
  const ended = await endRun(deps, { run, status, diagnosis, settings, lease, retryRun, overdue });
  if (!ended) return { kind: "settled-elsewhere" };

  if (retryRun) {
    const message: TurnMessage = {
      version: 1,
      jobId: run.jobId,
      runId: retryRun.runId,
      fireKey: retryRun.fireKey,
    };
    await deps.turns.send(JSON.stringify(message), { jobId: run.jobId, runId: retryRun.runId });
    deps.log.warn("retrying an overdue run", {
      jobId: run.jobId,
      runId: retryRun.runId,
      retryOf: run.runId,
      attempt: retryRun.attempt,
    });
    return { kind: "ended", status, runId: run.runId, retryRunId: retryRun.runId, drained: false };
  }
  let drained = false;
  if (params.drain) {
    const { pending } = await deps.store.settleLease(run.jobId);
    if (pending) {
      await drainPendingFire(deps, run.jobId, pending);
      drained = true;
    }
  }
  return { kind: "ended", status, runId: run.runId, drained };
}

/** Ends the run; retries only when the stats moved underneath (nothing else can change and still apply). */
async function endRun(
  deps: OverdueHolderDependencies,
  params: {
    run: RunRecord;
    status: OverdueStatus;
    diagnosis: Diagnosis;
    settings: HolderJobSettings;
    lease: LeaseState;
    retryRun?: RunRecord;
    overdue: "phase-overdue" | "lease-expired";
  },
): Promise<boolean> {
  const { run, status, diagnosis, settings } = params;
  const phase = run.phase;
  for (let attempt = 0; attempt < 5; attempt++) {
    const nowMs = deps.clock.now();
    const statsBefore = (await deps.store.getStats(run.jobId)) ?? emptyStats(run.jobId);
    const statsAfter = recordRunOutcome(
      statsBefore,
      { status, runId: run.runId, endedAt: nowMs },
      settings.alarms.failureRateWindow,
    );
    const phaseRecord = phase ? run.phases[phase] : undefined;
    const result = await deps.store.endRunBySweeper(
      run,
      {
        status,
        error: diagnosis.error,
        diagnostic: diagnosis.diagnostic,
        phaseOutcome:
          phase && phaseRecord && phaseRecord.endedAt === undefined ? { phase, outcome: status } : undefined,
      },
      {
        nowMs,
        lease: { token: params.lease.token, overdue: params.overdue },
        retryRun: params.retryRun,
        leaseSeconds: settings.leaseSeconds,
        statsBefore,
        statsAfter,
        historyRetentionDays: settings.historyRetentionDays,
      },
    );
    if (result.kind === "ended") {
      deps.log.warn(`run ${status}`, {
        jobId: run.jobId,
        runId: run.runId,
        phase,
        diagnostic: diagnosis.diagnostic,
      });
      await reportRunEnd(deps, {
        jobId: run.jobId,
        runId: run.runId,
        status,
        phase,
        reason: diagnosis.error.message,
        stats: statsAfter,
        at: nowMs,
      });
      return true;
    }
    if (result.on !== "stats") return false;
  }
  throw new Error(
    `run ${run.runId}: the job's stats kept changing while recording its end; the next sweep retries`,
  );
}

function retryOf(run: RunRecord, nowMs: number): RunRecord {
  return {
    jobId: run.jobId,
    runId: newRunId(nowMs),
    fireKey: run.fireKey,
    source: "retry",
    scheduledAt: run.scheduledAt,
    createdAt: nowMs,
    status: "queued",
    attempt: run.attempt + 1,
    retryOf: run.runId,
    coalescedFires: run.coalescedFires,
    jobVersion: run.jobVersion,
    phases: {},
    plugins: {},
  };
}
