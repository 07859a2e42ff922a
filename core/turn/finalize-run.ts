import type { HarnessTurnResult } from "../agents/harness.ts";
import { LeaseLostError } from "../errors.ts";
import { JOB_DEFAULTS, type JobDefinition } from "../jobs/job-schema.ts";
import type { Logger } from "../logger.ts";
import type { RunFence } from "../ports.ts";
import { reportRunEnd } from "../runs/report-run-end.ts";
import type { PhaseOutcome, RunRecord, TerminalRunStatus } from "../runs/run-record.ts";
import { emptyStats, type JobStats, recordRunOutcome } from "../stats/job-stats.ts";
import { drainPendingFire } from "../sweep/drain.ts";
import { settleWithin } from "./deadline-signal.ts";
import type { LeaseKeeper } from "./lease-keeper.ts";
import { summarizeOutput } from "./output-summary.ts";
import { classifyTurnEnd, type TurnDependencies, type TurnOutcome } from "./run-turn.ts";
import type { TurnProgress } from "./turn-progress.ts";

const PHASE_OUTCOME: Record<TerminalRunStatus, PhaseOutcome> = {
  succeeded: "ok",
  failed: "failed",
  "timed-out": "timed-out",
  cancelled: "cancelled",
  stalled: "stalled",
  abandoned: "abandoned",
};

/**
 * The finalize phase: written ahead like the others, then the plugins are closed, and the
 * outcome (with a bounded output summary, model, usage), the lease release and the job's stats
 * are written in one fenced transaction. Then a buffered fire is drained, and metrics and a
 * lifecycle event tell operators how it ended.
 */
export async function finalizeRun(
  deps: TurnDependencies,
  log: Logger,
  params: {
    run: RunRecord;
    job: JobDefinition | undefined;
    fence: RunFence;
    progress: TurnProgress;
    keeper: LeaseKeeper;
    statsBefore: JobStats | undefined;
    result: HarnessTurnResult | undefined;
    failure: unknown;
    close: () => Promise<void>;
  },
): Promise<TurnOutcome> {
  const { progress, keeper, fence, job } = params;
  const { status, error, partial } = classifyTurnEnd(params.failure, progress.phase);
  const finalizeSeconds = job?.timeouts.finalizeSeconds ?? JOB_DEFAULTS.finalizeSeconds;
  try {
    await progress.enter("finalize", finalizeSeconds, PHASE_OUTCOME[status]);
  } catch (caught) {
    if (!(caught instanceof LeaseLostError)) throw caught;
    keeper.stop();
    await params.close();
    log.warn("lease lost before finalize: writing nothing over the new holder");
    return { kind: "lease-lost" };
  }
  // Closing plugins may hang like starting them can; it gets half the finalize budget.
  await settleWithin(params.close(), AbortSignal.timeout((finalizeSeconds * 1000) / 2)).catch(
    (caught: unknown) => log.warn("closing plugins did not finish in time", { error: String(caught) }),
  );

  const produced = params.result ?? partial;
  const end = {
    status,
    phaseOutcome: { phase: "finalize" as const, outcome: "ok" as const },
    error,
    output: produced?.output !== undefined ? summarizeOutput(produced.output) : undefined,
    provider: produced?.provider,
    model: produced?.model,
    usage: produced?.usage,
    toolCalls: produced?.toolCalls,
    plugins: progress.takeQueuedPlugins(),
  };
  const window = job?.alarms.failureRateWindow ?? JOB_DEFAULTS.failureRateWindow;
  let statsBefore = params.statsBefore ?? emptyStats(fence.jobId);
  let statsAfter: JobStats | undefined;
  for (let attempt = 0; attempt < 5 && !statsAfter; attempt++) {
    if (attempt > 0) statsBefore = (await deps.store.getStats(fence.jobId)) ?? emptyStats(fence.jobId);
    const nowMs = deps.clock.now();
    const candidate = recordRunOutcome(statsBefore, { status, runId: fence.runId, endedAt: nowMs }, window);
    const written = await deps.store.finishRun(fence, end, {
      nowMs,
      statsBefore,
      statsAfter: candidate,
      historyRetentionDays: job?.historyRetentionDays ?? JOB_DEFAULTS.historyRetentionDays,
    });
    if (written.kind === "ok") statsAfter = candidate;
    else if (written.kind !== "stats-conflict") {
      keeper.stop();
      log.warn("could not record the outcome: the run lost its lease or was ended by the sweeper", {
        kind: written.kind,
      });
      return { kind: "lease-lost" };
    }
  }
  keeper.stop();
  if (!statsAfter)
    throw new Error(`run ${fence.runId}: the job's stats kept changing while recording its end`);
  progress.endPhaseMetric();

  const { pending } = await deps.store.settleLease(fence.jobId);
  if (pending) await drainPendingFire(deps, fence.jobId, pending);
  await reportRunEnd(deps, {
    jobId: fence.jobId,
    runId: fence.runId,
    status,
    phase: error?.phase,
    reason: error?.message,
    stats: statsAfter,
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
