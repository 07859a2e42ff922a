import type { HarnessTurnResult } from "../agents/harness.ts";
import { deadlineSignal } from "../clock.ts";
import { LeaseLostError, StoreUnavailableError } from "../errors.ts";
import { newAttemptId } from "../ids.ts";
import type { JobDefinition } from "../jobs/job-schema.ts";
import type { RunSettings } from "../jobs/run-settings.ts";
import { CEILING_MARGIN_SECONDS } from "../jobs/time-budget.ts";
import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type { RunEnd, RunFence } from "../ports.ts";
import { retryTransient } from "../retry.ts";
import { reportRunEnd } from "../runs/report-run-end.ts";
import { runOutputOf } from "../runs/run-output.ts";
import type { RunRecord } from "../runs/run-record.ts";
import { type JobStats, recordRunOutcome } from "../stats/job-stats.ts";
import { writeWithFreshStats } from "../stats/with-fresh-stats.ts";
import { settleWithin } from "./deadline-signal.ts";
import { keepRunOutput } from "./keep-run-output.ts";
import type { LeaseKeeper } from "./lease-keeper.ts";
import { stopAfterLostLease } from "./lost-lease.ts";
import { summarizeOutput } from "./output-summary.ts";
import { PhaseTimeoutError } from "./stop-reasons.ts";
import type { TurnDependencies } from "./turn-dependencies.ts";
import { classifyTurnEnd, PHASE_OUTCOME, type TurnOutcome } from "./turn-end.ts";
import type { TurnProgress } from "./turn-progress.ts";

/**
 * Seconds before the turn function's timeout (maxRunSeconds + CEILING_MARGIN_SECONDS) at which a
 * turn stops retrying to record its outcome, so it returns before Lambda kills it.
 */
const FINISH_RETRY_STOP_BEFORE_TIMEOUT_SECONDS = 5;

/**
 * The finalize phase: written ahead like the others, then the plugins are closed, and the
 * outcome (with a bounded output summary, model, usage), the lease release and the job's stats
 * are written in one fenced transaction. The outcome is decided once and held in memory; writing
 * it is retried through transient failures until shortly before the function's timeout (DESIGN
 * invariant 10), so a harness that finished never has its outcome lost to a throttled write.
 * A pending buffered fire stays on the released lease for the sweeper to drain.
 */
export async function finalizeRun(
  deps: TurnDependencies,
  log: Logger,
  params: {
    run: RunRecord;
    job: JobDefinition | undefined;
    settings: RunSettings;
    fence: RunFence;
    progress: TurnProgress;
    keeper: LeaseKeeper;
    statsBefore: JobStats | undefined;
    result: HarnessTurnResult | undefined;
    failure: unknown;
    startedAt: number;
    close: () => Promise<void>;
  },
): Promise<TurnOutcome> {
  const { progress, fence, settings, close } = params;
  const { status, error, partial } = classifyTurnEnd(params.failure, progress.phase);
  const finalizeSeconds = settings.timeouts.finalizeSeconds;
  // The phase the final write closes: finalize, once written ahead; else the phase the run was in.
  let lastPhase = { phase: progress.phase, outcome: PHASE_OUTCOME[status] };
  try {
    await progress.enter("finalize", finalizeSeconds, PHASE_OUTCOME[status]);
    lastPhase = { phase: "finalize", outcome: "ok" };
  } catch (caught) {
    if (caught instanceof LeaseLostError) return stopAfterLostLease(log, close, "before finalize");
    if (!(caught instanceof StoreUnavailableError)) throw caught;
    // Still try to record the outcome: that write retries for longer.
    log.warn("could not write the finalize phase ahead; recording the outcome anyway", {
      error: caught.message,
    });
  }
  // Closing plugins may hang like starting them can; it gets half the finalize budget.
  const closing = deadlineSignal(
    deps.clock,
    (finalizeSeconds * 1000) / 2,
    new PhaseTimeoutError("finalize", finalizeSeconds),
  );
  await settleWithin(deps.clock, close(), closing.signal)
    .catch((caught: unknown) => log.warn("closing plugins did not finish in time", { error: String(caught) }))
    .finally(closing.clear);

  const produced = params.result ?? partial;
  const end: RunEnd = {
    status,
    phaseOutcome: lastPhase,
    error,
    output: produced?.output !== undefined ? summarizeOutput(produced.output) : undefined,
    provider: produced?.provider,
    model: produced?.model,
    usage: produced?.usage,
    toolCalls: produced?.toolCalls,
    plugins: progress.takeQueuedPlugins(),
  };
  await keepRunOutput(deps, log, fence, runOutputOf(produced, params.failure), settings.historyRetentionDays);
  const attemptId = newAttemptId(deps.clock.now());
  const finishUntil =
    params.startedAt +
    (settings.maxRunSeconds + CEILING_MARGIN_SECONDS - FINISH_RETRY_STOP_BEFORE_TIMEOUT_SECONDS) * 1000;
  let recorded: Awaited<ReturnType<typeof recordOutcome>>;
  try {
    recorded = await retryTransient(() => recordOutcome(deps, params, end, attemptId), {
      clock: deps.clock,
      step: `run ${fence.runId}: recording its outcome (${status})`,
      until: finishUntil,
      onRetry: () => deps.metrics.add(METRICS.transientRetries, 1, "Count", { step: "finish" }),
    });
  } catch (caught) {
    if (!(caught instanceof StoreUnavailableError)) throw caught;
    deps.metrics.add(METRICS.storeUnavailable, 1, "Count", { step: "finish" });
    log.error("could not record the run's outcome: the store stayed unavailable; the sweeper will end it", {
      status,
      error: caught.message,
    });
    return { kind: "unrecorded", status };
  }
  if (recorded.result.kind !== "ok") return stopAfterLostLease(log, close, "recording the outcome");
  params.keeper.stop();
  progress.endPhaseMetric();

  // Take the free lease out of the sweep index now, unless a fire is pending on it: the sweeper
  // drains that one (a turn sends nothing to the fires queue, so no invocation chain loops).
  await retryTransient(() => deps.store.settleLease(fence.jobId), {
    clock: deps.clock,
    step: `job ${fence.jobId}: settling the released lease`,
    until: deps.clock.now() + 5_000,
  }).catch(() => log.debug("could not settle the released lease now; the sweeper will"));
  await reportRunEnd(deps, {
    jobId: fence.jobId,
    runId: fence.runId,
    status,
    phase: error?.phase,
    reason: error?.message,
    stats: recorded.statsAfter,
    healthPolicy: settings.alarms,
    at: deps.clock.now(),
  });
  const logLine = status === "succeeded" ? log.info.bind(log) : log.warn.bind(log);
  logLine(`run ${status}`, {
    error,
    toolCalls: end.toolCalls,
    outputBytes: end.output?.bytes,
    coalescedFires: params.run.coalescedFires,
  });
  return { kind: "ended", status, error };
}

/** One attempt at the run's end, the lease release and the stats, in one fenced transaction. */
function recordOutcome(
  deps: TurnDependencies,
  params: { fence: RunFence; settings: RunSettings; statsBefore: JobStats | undefined },
  end: RunEnd,
  attemptId: string,
) {
  const { fence, settings } = params;
  const nowMs = deps.clock.now();
  return writeWithFreshStats(
    () => deps.store.getStats(fence.jobId),
    fence.jobId,
    {
      known: params.statsBefore,
      next: (before) =>
        recordRunOutcome(
          before,
          { status: end.status, runId: fence.runId, endedAt: nowMs },
          settings.alarms.failureRateWindow,
        ),
    },
    (statsBefore, statsAfter) =>
      deps.store.finishRun(fence, end, {
        nowMs,
        attemptId,
        statsBefore,
        statsAfter,
        historyRetentionDays: settings.historyRetentionDays,
      }),
  );
}
