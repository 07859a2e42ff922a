import type { Clock } from "../clock.ts";
import type { ValidationIssue } from "../errors.ts";
import { formatIssues, TransientError } from "../errors.ts";
import { type OverdueHolderDependencies, settleOverdueHolder } from "../holders/settle-overdue-holder.ts";
import { newAttemptId, newRunId } from "../ids.ts";
import {
  JOB_DEFAULTS,
  type JobDefinition,
  type JobValidationContext,
  validateJob,
} from "../jobs/job-schema.ts";
import { isExpired, isHeld, type LeaseState } from "../leases/lease.ts";
import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type {
  DispatchStore,
  JobStore,
  LifecycleEvents,
  MessageQueue,
  Metrics,
  RunEndingStore,
  RunStart,
} from "../ports.ts";
import { retryTransient } from "../retry.ts";
import { HANDOFF_CHECK_INTERVAL_MS, handOffRun } from "../runs/handoff.ts";
import type { FireOutcome, FireReason, FireRecord, RunRecord } from "../runs/run-record.ts";
import { type HealthTracking, trackJobHealthSafely } from "../stats/track-job-health.ts";
import { describeDuration, describeTime } from "../time-format.ts";
import { type FireMessage, fireKeyOf } from "./fire-message.ts";

export interface DispatchDependencies {
  readonly jobs: Pick<JobStore, "getJob">;
  readonly store: DispatchStore;
  /** The turns queue: dispatch hands runs off and never waits for them (DESIGN invariant 5). */
  readonly turns: MessageQueue;
  /** Used when taking over an expired lease: its holder's run is ended first. */
  readonly runEnding: RunEndingStore;
  readonly events: LifecycleEvents;
  /** A skipped fire re-evaluates the job's health (a streak of skips makes it unhealthy). */
  readonly health: HealthTracking;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly validation: JobValidationContext;
}

export type DispatchOutcome =
  | { readonly kind: "run"; readonly runId: string }
  | { readonly kind: "skipped"; readonly holderRunId: string; readonly runningForMs: number }
  | { readonly kind: "buffered"; readonly holderRunId: string; readonly stopRequested: boolean }
  | { readonly kind: "rejected"; readonly reason: FireReason; readonly detail: string }
  /** The fire came after its start deadline (an outage, a backlog): recorded with its lateness. */
  | { readonly kind: "missed"; readonly lateByMs: number }
  | { readonly kind: "duplicate"; readonly previous: FireOutcome; readonly runId?: string }
  /** A buffered-fire drain whose buffer another drain or run already consumed. */
  | { readonly kind: "drain-already-consumed" }
  /** A buffered-fire drain that found the job busy again: the fire stays pending on the lease. */
  | { readonly kind: "drain-deferred"; readonly holderRunId?: string };

/** The lease changed under us this many times in a row: let the fire come back a little later. */
const MAX_LEASE_RACES = 8;

/**
 * How long one fire's dispatch keeps retrying store and queue calls through transient failures.
 * The dispatch function's timeout is 30 s; a fire whose step ran out is retried by SQS soon.
 */
export const DISPATCH_BUDGET_MS = 20_000;

/**
 * Turns one fire into exactly one outcome (DESIGN invariant 4): a run handed to the turns queue, a
 * skipped or buffered fire (the job is busy: the job's overlap policy decides), a rejected fire
 * (unknown, invalid or disabled job), or a missed one (it came after its start deadline). A
 * duplicate delivery of a fire finds the first one's outcome and changes nothing.
 *
 * Every store and queue call is retried through transient failures within DISPATCH_BUDGET_MS, and
 * every write carries this attempt's id, so an attempt that was applied but reported failure is
 * recognised as our own (DESIGN invariant 10). A handoff that cannot be sent does not fail the
 * fire: the run is recorded, and the sweeper hands it off again.
 *
 * @throws StoreUnavailableError or TransientError when the store stayed unavailable (the fire is
 *   retried by SQS, and its outcome is still recorded exactly once).
 */
export async function dispatchFire(
  message: FireMessage,
  deps: DispatchDependencies,
): Promise<DispatchOutcome> {
  const nowMs = deps.clock.now();
  const fireKey = fireKeyOf(message);
  const log = deps.log.child({ jobId: message.jobId, fireKey });
  const attemptId = newAttemptId(nowMs);
  const fireBase = {
    jobId: message.jobId,
    fireKey,
    source: message.source,
    scheduledAt: Date.parse(message.scheduledAt),
    receivedAt: nowMs,
    attemptId,
  } as const;
  const step = stepper(deps, nowMs + DISPATCH_BUDGET_MS, fireKey);
  const context: FireContext = {
    deps,
    log,
    fireBase,
    step,
    // A drain of a buffered fire carries the buffer's id: it may only consume that buffer.
    drainBufferId: message.source === "buffered" ? message.fireId : undefined,
  };

  const stored = await step("reading the job", () => deps.jobs.getJob(message.jobId));
  if (!stored) {
    return reject(context, "unknown-job", [
      {
        path: "jobId",
        message: `no job "${message.jobId}" exists; it was deleted or never applied — apply it, or delete the schedule that still fires it`,
      },
    ]);
  }
  const validation = validateJob(stored.spec, { ...deps.validation, admitUnregisteredHarness: true });
  if (!validation.ok) return reject(context, "invalid-job", validation.issues, stored.version);
  const job = validation.job;
  if (!job.enabled) {
    return reject(
      context,
      "job-disabled",
      [
        {
          path: "enabled",
          message: `job "${job.id}" is paused; resume it (agentcron jobs resume ${job.id}) to run it again`,
        },
      ],
      stored.version,
    );
  }
  const lateByMs = nowMs - fireBase.scheduledAt;
  // At the deadline itself is too late: the queued run's start deadline would be now, so no turn
  // could begin it and the sweeper would end it not-started instead of the fire being missed.
  if (message.source !== "buffered" && lateByMs >= job.startDeadlineSeconds * 1000) {
    return recordMissed(context, job, lateByMs);
  }
  return acquireOrApplyPolicy(context, job, stored.version, message);
}

interface FireContext {
  readonly deps: DispatchDependencies;
  readonly log: Logger;
  readonly fireBase: Omit<FireRecord, "outcome">;
  readonly step: Step;
  readonly drainBufferId?: string;
}

type Step = <T>(what: string, call: () => Promise<T>) => Promise<T>;

/** Each store or queue call of one fire, retried through transient failures until `until`. */
function stepper(deps: DispatchDependencies, until: number, fireKey: string): Step {
  return (what, call) =>
    retryTransient(call, {
      clock: deps.clock,
      until,
      step: `fire ${fireKey}: ${what}`,
      onRetry: () => deps.metrics.add(METRICS.transientRetries, 1, "Count", { step: "dispatch" }),
    });
}

/**
 * Acquires the job's lease for a new run, taking the pending (buffered) fire along when there is
 * one; or, when the job is busy, applies its overlap policy. Loops while the lease changes under
 * it (a release, a takeover, a new pending fire), each time knowing the lease as it now is.
 */
async function acquireOrApplyPolicy(
  context: FireContext,
  job: JobDefinition,
  jobVersion: number,
  message: FireMessage,
): Promise<DispatchOutcome> {
  const { deps, log, fireBase, step, drainBufferId } = context;
  const nowMs = fireBase.receivedAt;
  // A drain expects its buffer as its message saw it; any other fire expects nothing pending.
  let consumePending: RunStart["consumePending"] = drainBufferId
    ? { bufferId: drainBufferId, count: message.coalescedFires ?? 1 }
    : undefined;
  // A drain's start window opens when the job frees; a fire's, at its scheduled time.
  const startDeadlineAt = (drainBufferId ? nowMs : fireBase.scheduledAt) + job.startDeadlineSeconds * 1000;
  const runId = newRunId(nowMs);

  for (let race = 0; race < MAX_LEASE_RACES; race++) {
    const coalescedFires = (drainBufferId ? 0 : 1) + (consumePending?.count ?? 0);
    const run: RunRecord = {
      jobId: job.id,
      runId,
      fireKey: fireBase.fireKey,
      source: message.source,
      scheduledAt: fireBase.scheduledAt,
      createdAt: nowMs,
      status: "queued",
      attempt: 1,
      coalescedFires,
      jobVersion,
      startDeadlineAt,
      handoffs: 1,
      lastHandoffAt: nowMs,
      phases: {},
      plugins: {},
    };
    const started = await step("creating the run", () =>
      deps.store.startRunForFire({
        fire: { ...fireBase, outcome: "run", runId },
        run,
        startDeadlineAt,
        firstCheckAt: nowMs + HANDOFF_CHECK_INTERVAL_MS,
        historyRetentionDays: job.historyRetentionDays,
        nowMs,
        consumePending,
      }),
    );
    if (started.kind === "started") return handedOff(context, job, run);
    if (started.kind === "duplicate") return handleDuplicate(context, started.previous);

    const lease = started.lease;
    if (!isHeld(lease)) {
      // Free, but its pending fire is not what we expected: take it as it is now.
      if (drainBufferId && lease.pending?.bufferId !== drainBufferId) return drainConsumed(log);
      consumePending = lease.pending
        ? { bufferId: lease.pending.bufferId, count: lease.pending.count }
        : undefined;
      continue;
    }
    if (drainBufferId && lease.pending?.bufferId !== drainBufferId) return drainConsumed(log);
    if (isExpired(lease, deps.clock.now())) {
      await takeOverExpiredLease(context, job, lease);
      continue;
    }
    if (drainBufferId) return { kind: "drain-deferred", holderRunId: lease.holderRunId };
    const outcome = await applyOverlapPolicy(context, job, lease);
    if (outcome) return outcome;
  }
  if (drainBufferId) {
    // The buffer stays on the lease; the sweeper drains it again.
    log.warn("drain deferred: the job's lease kept changing");
    return { kind: "drain-deferred" };
  }
  throw new TransientError(
    `job ${job.id}: the lease changed ${MAX_LEASE_RACES} times while dispatching ${fireBase.fireKey}`,
    { service: "dynamodb", operation: "TransactWriteItems", code: "LeaseContention", maybeApplied: false },
  );
}

function drainConsumed(log: Logger): DispatchOutcome {
  log.info("drain already consumed: its buffered fires ran with another run");
  return { kind: "drain-already-consumed" };
}

/** The run exists (queued) and holds the lease: hand it to the turns queue and say so. */
async function handedOff(context: FireContext, job: JobDefinition, run: RunRecord): Promise<DispatchOutcome> {
  const { deps, log, fireBase, step } = context;
  try {
    await step("handing the run off", () => handOffRun(deps.turns, run));
  } catch (error) {
    // The run is recorded and holds the lease until its start deadline; the sweeper hands it off
    // again within a minute or two. Failing the fire here would only redeliver a duplicate.
    log.warn("could not hand the run off; the sweeper will", { runId: run.runId, error: String(error) });
  }
  deps.metrics.add(METRICS.firesDispatched, 1, "Count", { jobId: job.id });
  // A fire that runs ends the streak of bounced fires (the transaction reset it in the stats).
  deps.metrics.add(METRICS.consecutiveSkips, 0, "Count", { jobId: job.id });
  deps.metrics.add(
    METRICS.dispatchLatency,
    Math.max(0, deps.clock.now() - fireBase.scheduledAt),
    "Milliseconds",
  );
  log.info("fire dispatched", { runId: run.runId, source: run.source, coalescedFires: run.coalescedFires });
  return { kind: "run", runId: run.runId };
}

/**
 * The job is busy. `skip` records the bounce with who holds the job and for how long (field
 * report 3 asked for that visibility); `buffer-one` folds the fire into one pending fire that runs
 * when the job frees; `replace` does the same and asks the running run to stop.
 * Returns undefined when the holder changed meanwhile (the caller tries again).
 */
async function applyOverlapPolicy(
  context: FireContext,
  job: JobDefinition,
  lease: LeaseState & { holderRunId: string },
): Promise<DispatchOutcome | undefined> {
  const { deps, log, fireBase, step } = context;
  const nowMs = fireBase.receivedAt;
  const holderSince = lease.acquiredAt ?? nowMs;
  const runningForMs = nowMs - holderSince;
  const holder = { holderRunId: lease.holderRunId, holderSince };
  const waiting = lease.phase === undefined ? "has been queued" : "has held it";
  if (job.overlap === "skip") {
    const detail = `job busy: run ${lease.holderRunId} ${waiting} for ${describeDuration(runningForMs)}; overlap policy "skip" drops this fire`;
    const recorded = await step("recording the skipped fire", () =>
      deps.store.recordFireWithoutRun(
        { ...fireBase, ...holder, outcome: "skipped", reason: "busy", detail },
        job.historyRetentionDays,
      ),
    );
    if (recorded.kind === "duplicate") return handleDuplicate(context, recorded.previous);
    deps.metrics.add(METRICS.firesSkipped, 1, "Count", { jobId: job.id });
    // The streak (field report 3: "K consecutive fires bounced") is what the skip alarm watches.
    const stats = await step("reading the job's stats", () => deps.runEnding.getStats(job.id)).catch(
      () => undefined,
    );
    deps.metrics.add(METRICS.consecutiveSkips, stats?.consecutiveSkips ?? 1, "Count", { jobId: job.id });
    if (stats) await trackJobHealthSafely(deps, { stats, policy: job.alarms, nowMs });
    log.warn("fire skipped: job busy", { holderRunId: lease.holderRunId, runningForMs });
    return { kind: "skipped", holderRunId: lease.holderRunId, runningForMs };
  }

  const requestStop = job.overlap === "replace";
  const detail = requestStop
    ? `job busy: asked run ${lease.holderRunId} (running ${describeDuration(runningForMs)}) to stop; this fire runs when it has`
    : `job busy: run ${lease.holderRunId} ${waiting} for ${describeDuration(runningForMs)}; this fire runs when it ends (coalesced with any others)`;
  const buffered = await step("buffering the fire", () =>
    deps.store.bufferFire(
      { ...fireBase, ...holder, outcome: "buffered", reason: requestStop ? "replace" : "busy", detail },
      { holderRunId: lease.holderRunId, requestStop, historyRetentionDays: job.historyRetentionDays, nowMs },
    ),
  );
  if (buffered.kind === "duplicate") return handleDuplicate(context, buffered.previous);
  if (buffered.kind === "holder-changed") return undefined;
  deps.metrics.add(METRICS.firesBuffered, 1, "Count", { jobId: job.id });
  log.info(requestStop ? "fire buffered; stop requested" : "fire buffered", {
    holderRunId: lease.holderRunId,
  });
  return { kind: "buffered", holderRunId: lease.holderRunId, stopRequested: requestStop };
}

/**
 * The holder's time is up (a queued run past its start deadline, or a run that stopped
 * heartbeating): end its run with where it was — conditioned on the lease still being expired, so a
 * heartbeat that lands first wins — before the caller acquires the lease for the new fire.
 */
async function takeOverExpiredLease(
  context: FireContext,
  job: JobDefinition,
  lease: LeaseState & { holderRunId: string },
): Promise<void> {
  const { deps, step, fireBase } = context;
  const run = await step("reading the expired holder", () =>
    deps.store.getRun(lease.jobId, lease.holderRunId),
  );
  const holderDeps: OverdueHolderDependencies = { ...deps, store: deps.runEnding };
  const outcome = await settleOverdueHolder(holderDeps, {
    lease,
    run,
    // Retries are the sweeper's call; here a fresh fire is waiting to run.
    settings: { ...job, retryOnStall: 0 },
    until: fireBase.receivedAt + DISPATCH_BUDGET_MS,
  });
  if (outcome.kind === "ended") {
    deps.metrics.add(METRICS.leaseTakeovers, 1, "Count", { jobId: job.id });
    deps.log.warn("took over an expired lease", {
      jobId: job.id,
      previousRunId: outcome.runId,
      previousStatus: outcome.status,
    });
  }
}

async function handleDuplicate(context: FireContext, previous: FireRecord): Promise<DispatchOutcome> {
  context.deps.metrics.add(METRICS.firesDuplicate, 1, "Count");
  context.log.info("duplicate fire ignored", { previousOutcome: previous.outcome, runId: previous.runId });
  return { kind: "duplicate", previous: previous.outcome, runId: previous.runId };
}

/**
 * The fire came after its start deadline (DESIGN invariants 4 and 9): running it now would run
 * stale work hours late, so it is recorded as missed with how late it was — counted and alarmed.
 */
async function recordMissed(
  context: FireContext,
  job: JobDefinition,
  lateByMs: number,
): Promise<DispatchOutcome> {
  const { deps, log, fireBase, step } = context;
  const detail =
    `arrived ${describeDuration(lateByMs)} after its scheduled time ${describeTime(fireBase.scheduledAt)}, ` +
    `past its ${describeDuration(job.startDeadlineSeconds * 1000)} start deadline (startDeadlineSeconds): not run. ` +
    "Fires arrive late after an outage of the schedule's target or a backlog on the fires queue; the next fire runs as usual.";
  const recorded = await step("recording the missed fire", () =>
    deps.store.recordFireWithoutRun(
      { ...fireBase, outcome: "missed", reason: "late", detail },
      job.historyRetentionDays,
    ),
  );
  if (recorded.kind === "duplicate") return handleDuplicate(context, recorded.previous);
  deps.metrics.add(METRICS.firesMissed, 1, "Count", { jobId: job.id });
  log.warn("fire missed: it arrived after its start deadline", { lateByMs });
  return { kind: "missed", lateByMs };
}

async function reject(
  context: FireContext,
  reason: FireReason,
  issues: readonly ValidationIssue[],
  jobVersion?: number,
): Promise<DispatchOutcome> {
  const { deps, log, fireBase, step, drainBufferId } = context;
  const detail = `${reason}: ${formatIssues(issues)}`;
  const recorded = await step("recording the rejected fire", () =>
    deps.store.recordFireWithoutRun(
      { ...fireBase, outcome: "rejected", reason, detail, issues },
      JOB_DEFAULTS.historyRetentionDays,
    ),
  );
  // A rejected drain consumes its buffer: the buffered fires have their answer (this rejection),
  // and a pending fire left on the lease would be drained, and rejected as a duplicate, forever.
  if (drainBufferId) {
    await step("dropping the rejected buffer", () =>
      deps.store.dropPendingFire(fireBase.jobId, drainBufferId),
    );
  }
  if (recorded.kind === "duplicate") return handleDuplicate(context, recorded.previous);
  deps.metrics.add(METRICS.firesRejected, 1, "Count", { jobId: fireBase.jobId });
  log.error("fire rejected", { reason, issues, jobVersion });
  return { kind: "rejected", reason, detail };
}
