import { getLease, getRun } from "#adapters/dynamodb/reads.ts";
import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import { overdueStatusOf } from "#core/holders/settle-overdue-holder.ts";
import { holderIsQueued, isExpired, type LeaseState } from "#core/leases/lease.ts";
import type { Logger } from "#core/logger.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import { describeTime } from "#core/time-format.ts";
import type { ActiveInvocation } from "./turn-invoker.ts";

/** Error classes of runs ended by the sweeper (or by dispatch taking an overdue job over). */
const ENDED_FROM_OUTSIDE = new Set([
  "RunAbandonedError",
  "RunStalledError",
  "RunCeilingExceededError",
  "RunNotStartedError",
]);
/** A turn that recorded its end exits within moments; one still there after this is stuck. */
const EXIT_AFTER_END_MS = 30_000;
/** Longest wait for a killed turn's processes to be gone. */
const KILL_WAIT_MS = 10_000;

export interface TurnReaperDependencies {
  readonly table: TableContext;
  readonly active: ReadonlyMap<number, ActiveInvocation>;
  readonly now: () => number;
  readonly log: Logger;
}

/**
 * Kills the turn processes whose run is over in the table's eyes while the process still lives —
 * the local runtime's part of "a diagnostic says *its process is gone* only when it is":
 *
 * - a run that has begun and that the sweeper (or dispatch meeting the job) is about to end as
 *   abandoned, timed out or stalled (`overdueStatusOf`): it is killed *before* the sweep, so the
 *   diagnostic written next is true. Its process is blocked or hung; a live turn renews its lease
 *   and moves on from a phase in time;
 * - a run already ended from outside (the sweeper), or that recorded its own end long ago.
 *
 * Each kill takes the turn's process group and every group it started (agents, MCP servers), and
 * frees its slot. Resolves once the killed processes are gone. Never throws.
 */
export async function stopTurnsOfOverRuns(deps: TurnReaperDependencies): Promise<void> {
  const checks = [...deps.active.values()].map(async (invocation) => {
    try {
      const reason = await whyOver(deps, invocation);
      if (!reason) return;
      deps.log.warn(`killing the turn process of run ${invocation.runId}: ${reason}`, {
        jobId: invocation.jobId,
        runId: invocation.runId,
        pid: invocation.pid,
      });
      invocation.handle.kill(reason);
      await Promise.race([invocation.ended, new Promise((resolve) => setTimeout(resolve, KILL_WAIT_MS))]);
    } catch (error) {
      deps.log.warn("could not check a turn process against its run", {
        runId: invocation.runId,
        error: String(error),
      });
    }
  });
  await Promise.all(checks);
}

async function whyOver(
  deps: TurnReaperDependencies,
  invocation: ActiveInvocation,
): Promise<string | undefined> {
  const lease = await getLease(deps.table, invocation.jobId);
  // A queued run's process still starting is never stopped: waiting is not dying.
  if (lease?.holderRunId === invocation.runId && holderIsQueued(lease)) return undefined;
  const run = await getRun(deps.table, invocation.jobId, invocation.runId);
  return reasonToStopTurn({
    runId: invocation.runId,
    maxRunSeconds: invocation.maxRunSeconds,
    lease,
    run,
    nowMs: deps.now(),
  });
}

/**
 * Why the process of run `runId` must be stopped now, or undefined when it may run on. Pure: it
 * reads the run's lease and record, and asks the same question the sweeper asks
 * (`overdueStatusOf`), so a process is killed exactly when its run is about to be ended for it.
 */
export function reasonToStopTurn(facts: {
  readonly runId: string;
  readonly maxRunSeconds: number;
  readonly lease: LeaseState | undefined;
  readonly run: RunRecord | undefined;
  readonly nowMs: number;
}): string | undefined {
  const { lease, run, nowMs } = facts;
  if (lease?.holderRunId === facts.runId) {
    if (!run || holderIsQueued(lease)) return undefined;
    const verdict = overdueStatusOf(lease, run, { maxRunSeconds: facts.maxRunSeconds }, nowMs);
    if (!verdict || verdict.status === "not-started") return undefined;
    if (verdict.status === "stalled")
      return `its phase ${lease.phase} passed its deadline ${describeTime(lease.phaseDeadlineAt ?? nowMs)} (hung; it is about to be ended as stalled)`;
    return isExpired(lease, nowMs)
      ? `its lease expired at ${describeTime(lease.expiresAt ?? nowMs)} without a heartbeat (event loop blocked, or hung)`
      : "it ran past its function timeout without a heartbeat";
  }
  if (run?.endedAt === undefined) return undefined;
  if (run.error && ENDED_FROM_OUTSIDE.has(run.error.class))
    return `the run was ended as ${run.status} (${run.error.class}) while its process still ran`;
  if (nowMs - run.endedAt > EXIT_AFTER_END_MS)
    return `the run recorded its end ${Math.round((nowMs - run.endedAt) / 1000)}s ago but its process did not exit`;
  return undefined;
}
