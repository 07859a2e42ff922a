import type { Clock } from "../clock.ts";
import type { ValidationIssue } from "../errors.ts";
import { formatIssues } from "../errors.ts";
import { newRunId } from "../ids.ts";
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
} from "../ports.ts";
import type { FireOutcome, FireReason, FireRecord, RunRecord } from "../runs/run-record.ts";
import { settleOverdueHolder } from "../sweep/settle-overdue-holder.ts";
import { describeDuration } from "../time-format.ts";
import { type FireMessage, fireKeyOf, type TurnMessage } from "./fire-message.ts";

export interface DispatchDependencies {
  readonly jobs: Pick<JobStore, "getJob">;
  readonly store: DispatchStore;
  /** The turns queue: dispatch hands runs off and never waits for them (DESIGN invariant 5). */
  readonly turns: MessageQueue;
  /** Used when taking over an expired lease: its holder's run is ended (abandoned) first. */
  readonly runEnding: RunEndingStore;
  readonly fires: MessageQueue;
  readonly events: LifecycleEvents;
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
  | { readonly kind: "duplicate"; readonly previous: FireOutcome; readonly runId?: string }
  /** A buffered-fire drain whose buffer another drain or run already consumed. */
  | { readonly kind: "drain-already-consumed" }
  /** A buffered-fire drain that found the job busy again: the fire stays pending on the lease. */
  | { readonly kind: "drain-deferred"; readonly holderRunId: string };

/** The lease changed under us this many times in a row: give up and let SQS redeliver. */
const MAX_LEASE_RACES = 5;

/**
 * A duplicate delivery re-sends the handoff of a still-queued run only once the run is older than
 * this (longer than a dispatch invocation can last): a younger one is being handed off right now
 * by the delivery that created it.
 */
export const HANDOFF_RESEND_AFTER_MS = 60_000;

/**
 * Turns one fire into exactly one outcome (DESIGN invariant 4): a run handed to the turns queue, a
 * skipped or buffered fire (the job is busy: the job's overlap policy decides), or a rejected fire
 * (unknown, invalid or disabled job). A duplicate delivery of a fire finds the first one's outcome
 * and changes nothing — except re-sending the handoff of a run still queued, in case the first
 * delivery died between creating the run and handing it off.
 *
 * @throws when the store or queue fails; the message is then retried by SQS.
 */
export async function dispatchFire(
  message: FireMessage,
  deps: DispatchDependencies,
): Promise<DispatchOutcome> {
  const nowMs = deps.clock.now();
  const fireKey = fireKeyOf(message);
  const log = deps.log.child({ jobId: message.jobId, fireKey });
  const fireBase = {
    jobId: message.jobId,
    fireKey,
    source: message.source,
    scheduledAt: Date.parse(message.scheduledAt),
    receivedAt: nowMs,
  } as const;
  // A drain of a buffered fire carries the buffer's id: it may only consume that buffer.
  const drainBufferId = message.source === "buffered" ? message.fireId : undefined;

  const stored = await deps.jobs.getJob(message.jobId);
  if (!stored) {
    return reject(
      deps,
      log,
      fireBase,
      "unknown-job",
      [
        {
          path: "jobId",
          message: `no job "${message.jobId}" exists; it was deleted or never applied — apply it, or delete the schedule that still fires it`,
        },
      ],
      { drainBufferId },
    );
  }
  const validation = validateJob(stored.spec, { ...deps.validation, admitUnregisteredHarness: true });
  if (!validation.ok) {
    return reject(deps, log, fireBase, "invalid-job", validation.issues, {
      jobVersion: stored.version,
      drainBufferId,
    });
  }
  const job = validation.job;
  if (!job.enabled) {
    return reject(
      deps,
      log,
      fireBase,
      "job-disabled",
      [
        {
          path: "enabled",
          message: `job "${job.id}" is paused; resume it (agentcron jobs resume ${job.id}) to run it again`,
        },
      ],
      { jobVersion: stored.version, drainBufferId },
    );
  }

  for (let race = 0; race < MAX_LEASE_RACES; race++) {
    const run: RunRecord = {
      jobId: job.id,
      runId: newRunId(nowMs),
      fireKey,
      source: message.source,
      scheduledAt: fireBase.scheduledAt,
      createdAt: nowMs,
      status: "queued",
      attempt: 1,
      coalescedFires: message.coalescedFires ?? 1,
      jobVersion: stored.version,
      phases: {},
      plugins: {},
    };
    const started = await deps.store.startRunForFire({
      fire: { ...fireBase, outcome: "run", runId: run.runId },
      run,
      leaseSeconds: job.leaseSeconds,
      historyRetentionDays: job.historyRetentionDays,
      nowMs,
      drainBufferId,
    });

    if (started.kind === "started") {
      await handOff(deps, run);
      deps.metrics.add(METRICS.firesDispatched, 1, "Count", { jobId: job.id });
      // A fire that runs ends the streak of bounced fires (the transaction reset it in the stats).
      deps.metrics.add(METRICS.consecutiveSkips, 0, "Count", { jobId: job.id });
      deps.metrics.add(
        METRICS.dispatchLatency,
        Math.max(0, deps.clock.now() - fireBase.scheduledAt),
        "Milliseconds",
      );
      log.info("fire dispatched", {
        runId: run.runId,
        source: message.source,
        coalescedFires: run.coalescedFires,
      });
      return { kind: "run", runId: run.runId };
    }
    if (started.kind === "duplicate") return handleDuplicate(deps, log, started.previous);

    const lease = started.lease;
    if (message.source === "buffered") {
      if (lease.pending?.bufferId !== message.fireId) return { kind: "drain-already-consumed" };
      if (isHeld(lease) && !isExpired(lease, nowMs))
        return { kind: "drain-deferred", holderRunId: lease.holderRunId };
      continue;
    }
    // Freed between our condition and now: try again.
    if (!isHeld(lease)) continue;
    if (isExpired(lease, nowMs)) {
      await takeOverExpiredLease(deps, job, lease);
      continue;
    }

    const outcome = await applyOverlapPolicy(deps, log, job, { ...fireBase }, lease, nowMs);
    if (outcome) return outcome;
  }
  throw new Error(
    `job ${job.id}: the lease changed ${MAX_LEASE_RACES} times while dispatching ${fireKey}; retrying`,
  );
}

/**
 * The job is busy. `skip` records the bounce with who holds the job and for how long (field
 * report 3 asked for that visibility); `buffer-one` folds the fire into one pending fire that runs
 * when the job frees; `replace` does the same and asks the running run to stop.
 * Returns undefined when the holder changed meanwhile (the caller tries again).
 */
async function applyOverlapPolicy(
  deps: DispatchDependencies,
  log: Logger,
  job: JobDefinition,
  fireBase: Omit<FireRecord, "outcome">,
  lease: LeaseState & { holderRunId: string },
  nowMs: number,
): Promise<DispatchOutcome | undefined> {
  const holderSince = lease.acquiredAt ?? nowMs;
  const runningForMs = nowMs - holderSince;
  const holder = { holderRunId: lease.holderRunId, holderSince };
  if (job.overlap === "skip") {
    const detail = `job busy: run ${lease.holderRunId} has held it for ${describeDuration(runningForMs)}; overlap policy "skip" drops this fire`;
    const recorded = await deps.store.recordFireWithoutRun(
      { ...fireBase, ...holder, outcome: "skipped", reason: "busy", detail },
      job.historyRetentionDays,
    );
    if (recorded.kind === "duplicate") return handleDuplicate(deps, log, recorded.previous);
    deps.metrics.add(METRICS.firesSkipped, 1, "Count", { jobId: job.id });
    // The streak (field report 3: "K consecutive fires bounced") is what the skip alarm watches.
    const stats = await deps.runEnding.getStats(job.id);
    deps.metrics.add(METRICS.consecutiveSkips, stats?.consecutiveSkips ?? 1, "Count", { jobId: job.id });
    log.warn("fire skipped: job busy", { holderRunId: lease.holderRunId, runningForMs });
    return { kind: "skipped", holderRunId: lease.holderRunId, runningForMs };
  }

  const requestStop = job.overlap === "replace";
  const detail = requestStop
    ? `job busy: asked run ${lease.holderRunId} (running ${describeDuration(runningForMs)}) to stop; this fire runs when it has`
    : `job busy: run ${lease.holderRunId} has held it for ${describeDuration(runningForMs)}; this fire runs when it ends (coalesced with any others)`;
  const buffered = await deps.store.bufferFire(
    { ...fireBase, ...holder, outcome: "buffered", reason: requestStop ? "replace" : "busy", detail },
    { holderRunId: lease.holderRunId, requestStop, historyRetentionDays: job.historyRetentionDays, nowMs },
  );
  if (buffered.kind === "duplicate") return handleDuplicate(deps, log, buffered.previous);
  if (buffered.kind === "holder-changed") return undefined;
  deps.metrics.add(METRICS.firesBuffered, 1, "Count", { jobId: job.id });
  log.info(requestStop ? "fire buffered; stop requested" : "fire buffered", {
    holderRunId: lease.holderRunId,
  });
  return { kind: "buffered", holderRunId: lease.holderRunId, stopRequested: requestStop };
}

/**
 * The holder stopped heartbeating and its lease expired: end its run as abandoned (with where it
 * was) and release the lease — conditioned on the lease still being expired, so a heartbeat that
 * lands first wins — before the caller acquires the lease for the new run.
 */
async function takeOverExpiredLease(
  deps: DispatchDependencies,
  job: JobDefinition,
  lease: LeaseState & { holderRunId: string },
): Promise<void> {
  const run = await deps.store.getRun(lease.jobId, lease.holderRunId);
  const outcome = await settleOverdueHolder(
    { ...deps, store: deps.runEnding },
    // Retries are the sweeper's call; here a fresh fire is waiting to run.
    { lease, run, settings: { ...job, retryOnStall: 0 }, drain: false },
  );
  if (outcome.kind === "ended") {
    deps.metrics.add(METRICS.leaseTakeovers, 1, "Count", { jobId: job.id });
    deps.log.warn("took over an expired lease", {
      jobId: job.id,
      previousRunId: outcome.runId,
      previousStatus: outcome.status,
    });
  }
}

async function handOff(deps: DispatchDependencies, run: Pick<RunRecord, "jobId" | "runId" | "fireKey">) {
  const message: TurnMessage = { version: 1, jobId: run.jobId, runId: run.runId, fireKey: run.fireKey };
  await deps.turns.send(JSON.stringify(message), { jobId: run.jobId, runId: run.runId });
}

async function handleDuplicate(
  deps: DispatchDependencies,
  log: Logger,
  previous: FireRecord,
): Promise<DispatchOutcome> {
  deps.metrics.add(METRICS.firesDuplicate, 1, "Count");
  if (previous.outcome === "run" && previous.runId) {
    const run = await deps.store.getRun(previous.jobId, previous.runId);
    // The first delivery may have died after creating the run but before handing it off. The turn
    // starts a run only from `queued`, so a second handoff is harmless.
    if (run?.status === "queued" && deps.clock.now() - run.createdAt > HANDOFF_RESEND_AFTER_MS) {
      await handOff(deps, run);
      log.warn("duplicate fire: run still queued, handoff sent again", { runId: run.runId });
    }
  }
  log.info("duplicate fire ignored", { previousOutcome: previous.outcome, runId: previous.runId });
  return { kind: "duplicate", previous: previous.outcome, runId: previous.runId };
}

async function reject(
  deps: DispatchDependencies,
  log: Logger,
  fireBase: Omit<FireRecord, "outcome">,
  reason: FireReason,
  issues: readonly ValidationIssue[],
  context: { jobVersion?: number; drainBufferId?: string },
): Promise<DispatchOutcome> {
  const detail = `${reason}: ${formatIssues(issues)}`;
  const recorded = await deps.store.recordFireWithoutRun(
    { ...fireBase, outcome: "rejected", reason, detail, issues },
    JOB_DEFAULTS.historyRetentionDays,
  );
  // A rejected drain consumes its buffer: the buffered fires have their answer (this rejection),
  // and a pending fire left on the lease would be drained, and rejected as a duplicate, forever.
  if (context.drainBufferId) await deps.store.dropPendingFire(fireBase.jobId, context.drainBufferId);
  if (recorded.kind === "duplicate") return handleDuplicate(deps, log, recorded.previous);
  deps.metrics.add(METRICS.firesRejected, 1, "Count", { jobId: fireBase.jobId });
  log.error("fire rejected", { reason, issues, jobVersion: context.jobVersion });
  return { kind: "rejected", reason, detail };
}
