import type { Clock } from "../clock.ts";
import { newAttemptId, newRunId } from "../ids.ts";
import type { RunSettings } from "../jobs/run-settings.ts";
import { CEILING_MARGIN_SECONDS } from "../jobs/time-budget.ts";
import { holderIsQueued, isExpired, type LeaseState } from "../leases/lease.ts";
import type { Logger } from "../logger.ts";
import type { LifecycleEvents, MessageQueue, Metrics, RunEndingStore } from "../ports.ts";
import { retryTransient } from "../retry.ts";
import {
  type Diagnosis,
  diagnoseAbandoned,
  diagnoseCeiling,
  diagnoseNotStarted,
  diagnoseStall,
  type TurnsBacklog,
} from "../runs/diagnostics.ts";
import { HANDOFF_CHECK_INTERVAL_MS, handOffRun } from "../runs/handoff.ts";
import { reportRunEnd } from "../runs/report-run-end.ts";
import { isActiveStatus, type RunRecord } from "../runs/run-record.ts";
import { recordRunOutcome } from "../stats/job-stats.ts";
import type { HealthTracking } from "../stats/track-job-health.ts";
import { writeWithFreshStats } from "../stats/with-fresh-stats.ts";

/**
 * How long past its phase deadline a run that is still heartbeating is given before it counts as
 * stalled: the turn stops itself at the deadline and then writes its next phase, which may take a
 * few retried writes. The sweeper must not end a run that is about to end itself.
 */
export const STALL_GRACE_MS = 30_000;

export interface OverdueHolderDependencies {
  readonly store: RunEndingStore;
  /** Retries of stalled runs are handed to the turns queue. */
  readonly turns: MessageQueue;
  /** What the turns queue holds, for the diagnostic of a run that could not start. */
  readonly turnsBacklog?: () => Promise<TurnsBacklog | undefined>;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly events: LifecycleEvents;
  /** The job's health is re-evaluated when its run is ended. */
  readonly health: HealthTracking;
  readonly log: Logger;
}

export type OverdueStatus = "stalled" | "abandoned" | "timed-out" | "not-started";

export type OverdueHolderOutcome =
  | { readonly kind: "not-overdue" }
  /** Someone else (an overlapping sweep, the run itself) settled it first. */
  | { readonly kind: "settled-elsewhere" }
  | {
      readonly kind: "ended";
      readonly status: OverdueStatus;
      readonly runId: string;
      readonly retryRunId?: string;
    };

/**
 * How the holder's time is up, from the lease and run read consistently, or undefined if it is not:
 * - queued past its start deadline (its queued lease expired): `not-started`;
 * - running and silent — its lease expired, or the turn function's timeout (maxRunSeconds plus the
 *   margin) has passed, after which no invocation can still be running it: `timed-out` when its
 *   lease still covered its ceiling (it was presumed alive there and did not stop itself: a blocked
 *   event loop stops heartbeats too), else `abandoned` (its process went silent before);
 * - running and heartbeating after its phase deadline plus a grace: it is alive but hung —
 *   `stalled`, or `timed-out` past its ceiling. Without a heartbeat after the deadline there is no
 *   proof of life: a crash is not called a stall; the lease's expiry will tell.
 */
export function overdueStatusOf(
  lease: LeaseState,
  run: RunRecord,
  settings: Pick<RunSettings, "maxRunSeconds">,
  nowMs: number,
): { status: OverdueStatus; overdue: "lease-expired" | "phase-overdue" } | undefined {
  const expired = isExpired(lease, nowMs);
  if (run.status === "queued" || holderIsQueued(lease)) {
    return expired ? { status: "not-started", overdue: "lease-expired" } : undefined;
  }
  const ceilingAt = (run.startedAt ?? nowMs) + settings.maxRunSeconds * 1000;
  const functionTimeoutAt = ceilingAt + CEILING_MARGIN_SECONDS * 1000;
  const deadline = lease.phaseDeadlineAt;
  if (expired || (nowMs > functionTimeoutAt && deadline !== undefined && deadline < nowMs)) {
    return {
      status: (lease.expiresAt ?? 0) >= ceilingAt ? "timed-out" : "abandoned",
      overdue: expired ? "lease-expired" : "phase-overdue",
    };
  }
  const aliveAfterDeadline =
    deadline !== undefined && lease.heartbeatAt !== undefined && lease.heartbeatAt > deadline;
  if (deadline === undefined || !aliveAfterDeadline || nowMs <= deadline + STALL_GRACE_MS) return undefined;
  return { status: nowMs > ceilingAt ? "timed-out" : "stalled", overdue: "phase-overdue" };
}

/**
 * Ends the run holding a lease whose time is up, when it cannot end itself (see overdueStatusOf).
 * In one transaction the run is ended with a diagnostic, the lease released — or handed to a
 * retry when the job asks for retry-on-stall — and the job's stats updated, conditioned on the
 * holder still being overdue; so a heartbeat that lands first wins, and two overlapping sweeps end
 * it once. A pending buffered fire stays on the released lease for the sweeper to drain.
 *
 * Store calls are retried through transient failures until `until`.
 */
export async function settleOverdueHolder(
  deps: OverdueHolderDependencies,
  params: {
    lease: LeaseState & { holderRunId: string };
    run: RunRecord | undefined;
    settings: RunSettings;
    /** Epoch ms after which no store call is retried. */
    until: number;
  },
): Promise<OverdueHolderOutcome> {
  const { lease, run, settings } = params;
  const nowMs = deps.clock.now();
  const retry = { clock: deps.clock, until: params.until };
  if (!run || !isActiveStatus(run.status)) {
    if (!isExpired(lease, nowMs) && !(lease.phaseDeadlineAt !== undefined && lease.phaseDeadlineAt < nowMs))
      return { kind: "not-overdue" };
    // A lease whose holder has no active run record would never be freed by anyone else.
    deps.log.error("lease held by a run that is not active; releasing it", {
      jobId: lease.jobId,
      runId: lease.holderRunId,
      status: run?.status,
    });
    await retryTransient(
      () => deps.store.releaseOrphanedLease(lease.jobId, lease.holderRunId, lease.token, nowMs),
      { ...retry, step: `job ${lease.jobId}: releasing an orphaned lease` },
    );
    return { kind: "settled-elsewhere" };
  }
  const verdict = overdueStatusOf(lease, run, settings, nowMs);
  if (!verdict) return { kind: "not-overdue" };
  const { status } = verdict;
  const diagnosis = await diagnose(deps, status, run, lease, nowMs, settings);
  const retryable = status === "stalled" || status === "abandoned";
  const retryRun =
    retryable && run.attempt <= settings.retryOnStall ? retryOf(run, nowMs, settings) : undefined;
  const attemptId = newAttemptId(nowMs);
  const ended = await retryTransient(
    () =>
      endRun(deps, {
        run,
        status,
        diagnosis,
        settings,
        lease,
        retryRun,
        overdue: verdict.overdue,
        attemptId,
      }),
    { ...retry, step: `run ${run.runId}: ending it as ${status}` },
  );
  if (!ended) return { kind: "settled-elsewhere" };
  if (retryRun) {
    await retryTransient(() => handOffRun(deps.turns, retryRun), {
      ...retry,
      step: `run ${retryRun.runId}: handing the retry off`,
    }).catch((error: unknown) =>
      // The sweeper hands a queued run off again when its check comes; nothing is lost.
      deps.log.warn("could not hand the retry off now; the sweeper will", { error: String(error) }),
    );
    deps.log.warn("retrying an overdue run", {
      jobId: run.jobId,
      runId: retryRun.runId,
      retryOf: run.runId,
      attempt: retryRun.attempt,
    });
  }
  return { kind: "ended", status, runId: run.runId, retryRunId: retryRun?.runId };
}

async function diagnose(
  deps: OverdueHolderDependencies,
  status: OverdueStatus,
  run: RunRecord,
  lease: LeaseState,
  nowMs: number,
  settings: RunSettings,
): Promise<Diagnosis> {
  switch (status) {
    case "not-started": {
      const backlog = await deps.turnsBacklog?.().catch(() => undefined);
      return diagnoseNotStarted(run, nowMs, backlog);
    }
    case "timed-out":
      return diagnoseCeiling(run, lease, nowMs, settings.maxRunSeconds);
    case "stalled":
      return diagnoseStall(run, lease, nowMs);
    case "abandoned":
      return diagnoseAbandoned(run, lease, nowMs);
  }
}

/** One attempt at ending the run with fresh stats; false when someone else settled it first. */
async function endRun(
  deps: OverdueHolderDependencies,
  params: {
    run: RunRecord;
    status: OverdueStatus;
    diagnosis: Diagnosis;
    settings: RunSettings;
    lease: LeaseState;
    retryRun?: RunRecord;
    overdue: "phase-overdue" | "lease-expired";
    attemptId: string;
  },
): Promise<boolean> {
  const { run, status, diagnosis, settings } = params;
  const phase = run.phase;
  const phaseRecord = phase ? run.phases[phase] : undefined;
  const nowMs = deps.clock.now();
  const { result, statsAfter } = await writeWithFreshStats(
    () => deps.store.getStats(run.jobId),
    run.jobId,
    {
      next: (before) =>
        recordRunOutcome(
          before,
          { status, runId: run.runId, endedAt: nowMs },
          settings.alarms.failureRateWindow,
        ),
    },
    async (statsBefore, statsAfter) => {
      const written = await deps.store.endRunBySweeper(
        run,
        {
          status,
          error: diagnosis.error,
          diagnostic: diagnosis.diagnostic,
          phaseOutcome:
            phase && phaseRecord && phaseRecord.endedAt === undefined
              ? { phase, outcome: status === "not-started" ? "abandoned" : status }
              : undefined,
        },
        {
          nowMs,
          attemptId: params.attemptId,
          lease: { token: params.lease.token, overdue: params.overdue },
          retry: params.retryRun
            ? { run: params.retryRun, firstCheckAt: nowMs + HANDOFF_CHECK_INTERVAL_MS }
            : undefined,
          statsBefore,
          statsAfter,
          historyRetentionDays: settings.historyRetentionDays,
        },
      );
      return written.kind === "conflict" && written.on === "stats"
        ? { kind: "stats-conflict" as const }
        : written;
    },
  );
  if (result.kind !== "ended") return false;
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
    healthPolicy: settings.alarms,
    at: nowMs,
  });
  return true;
}

function retryOf(run: RunRecord, nowMs: number, settings: RunSettings): RunRecord {
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
    startDeadlineAt: nowMs + settings.startDeadlineSeconds * 1000,
    handoffs: 1,
    lastHandoffAt: nowMs,
    phases: {},
    plugins: {},
  };
}
