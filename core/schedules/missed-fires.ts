import type { Clock } from "../clock.ts";
import { scheduledTimeKey } from "../jobs/next-fire.ts";
import type { Logger } from "../logger.ts";
import { METRICS } from "../metric-names.ts";
import type {
  DispatchStore,
  FireWatch,
  FireWatchStore,
  LifecycleEvents,
  Metrics,
  ScheduleInspector,
} from "../ports.ts";
import { retryTransient } from "../retry.ts";
import type { FireRecord, ScheduleState } from "../runs/run-record.ts";
import { describeDuration, describeTime } from "../time-format.ts";
import { arrivalWindowOf, dueAtOf, isOneTime, nextExpectedAfter } from "./fire-watch.ts";

/**
 * Missed-fire detection, a dead man's switch (DESIGN invariant 12): every sweep looks at the jobs
 * whose expected fire is due for a check (a sparse index: the cost grows with due jobs, never with
 * all jobs), and for each looks for the fire among the fire records. One that arrived moves the
 * expectation on; one that did not is recorded as a `missed` fire (reason `never-arrived`, with
 * the state of the job's schedule: missing, disabled, or there and enabled — then its deliveries
 * fail), counted (FiresMissed) and published (`fire.missed`), so a deleted or broken schedule is
 * noticed within the grace instead of never.
 */
export interface MissedFireDependencies {
  readonly fireWatch: FireWatchStore;
  /** Where a missed fire is recorded, as dispatch records a fire without a run. */
  readonly fireRecords: Pick<DispatchStore, "recordFireWithoutRun">;
  /** The schedule backend, asked about a job whose fire never came. @default states are "unknown" */
  readonly scheduleInspector?: ScheduleInspector;
  readonly metrics: Metrics;
  readonly events: LifecycleEvents;
  readonly log: Logger;
  readonly clock: Clock;
}

/** What the sweeper needs for missed-fire detection, beyond what every sweep has. */
export type MissedFireSources = Pick<
  MissedFireDependencies,
  "fireWatch" | "fireRecords" | "scheduleInspector"
>;

export interface MissedFireReport {
  /** Watches checked this sweep. */
  readonly checked: number;
  /** `jobId@scheduled time` of each fire recorded as never arrived. */
  readonly missed: string[];
}

/** Due watches checked per sweep; the rest wait for the next sweep (a minute later). */
export const MAX_WATCHES_PER_SWEEP = 500;
/** Expected fires one job may account for in one sweep (after an outage of the sweeper itself). */
const MAX_FIRES_PER_WATCH = 10;

/**
 * Checks every due expected fire (see the module comment), within the sweep's budget (`until`).
 * One job's failure is logged and left for the next sweep.
 */
export async function checkExpectedFires(
  deps: MissedFireDependencies,
  until: number,
): Promise<MissedFireReport> {
  const report = { checked: 0, missed: [] as string[] };
  const retry = { clock: deps.clock, until };
  let due: FireWatch[];
  try {
    due = await retryTransient(() => deps.fireWatch.findDueWatches(deps.clock.now(), MAX_WATCHES_PER_SWEEP), {
      ...retry,
      step: "sweep: finding due expected fires",
    });
  } catch (error) {
    // The rest of the sweep has been done; the expected fires wait for the next one.
    deps.log.error("could not read the due expected fires; the next sweep tries again", {
      error: String(error),
    });
    return report;
  }
  for (const watch of due) {
    if (deps.clock.now() >= until) break;
    try {
      await checkWatch(deps, watch, until, report);
      report.checked++;
    } catch (error) {
      deps.log.error("checking a job's expected fire failed; the next sweep tries again", {
        jobId: watch.jobId,
        error: String(error),
      });
    }
  }
  return report;
}

async function checkWatch(
  deps: MissedFireDependencies,
  watch: FireWatch,
  until: number,
  report: { missed: string[] },
): Promise<void> {
  const retry = { clock: deps.clock, until };
  const nowMs = deps.clock.now();
  let current = watch;
  for (let step = 0; step < MAX_FIRES_PER_WATCH; step++) {
    const expectedAt = current.expectedAt;
    const dueAt = dueAtOf(current);
    if (expectedAt === undefined || dueAt === undefined || dueAt > nowMs) break;
    const { fromMs, toMs } = arrivalWindowOf({ ...current, expectedAt });
    const arrived = await retryTransient(
      () => deps.fireWatch.scheduledFiresBetween(current.jobId, fromMs, toMs),
      {
        ...retry,
        step: `sweep: looking for job ${current.jobId}'s fire of ${describeTime(expectedAt)}`,
      },
    );
    const lastArrival = arrived.length > 0 ? Math.max(...arrived) : undefined;
    if (lastArrival !== undefined) {
      // The next expectation counts from the later of the two, so it always moves forward.
      current = arrivedAt(current, lastArrival, Math.max(lastArrival, expectedAt));
      continue;
    }
    const recorded = await recordNeverArrived(deps, current, expectedAt, until);
    if (recorded.kind === "arrived-meanwhile") {
      current = arrivedAt(current, expectedAt, expectedAt);
      continue;
    }
    report.missed.push(`${current.jobId}@${scheduledTimeKey(expectedAt)}`);
    current = {
      ...current,
      expectedAt: nextExpectedAfter(current, expectedAt),
      lastMissedAt: expectedAt,
      lastMissedState: recorded.scheduleState,
      missedCount: current.missedCount + 1,
    };
  }
  if (current === watch) return;
  const moved = await retryTransient(() => deps.fireWatch.advanceWatch(watch, current, dueAtOf(current)), {
    ...retry,
    step: `sweep: moving job ${watch.jobId}'s expected fire on`,
  });
  // Not moved: re-armed (the job changed) or another sweep was first; either way it is in hand.
  if (!moved) deps.log.info("expected fire changed meanwhile; left as it is", { jobId: watch.jobId });
}

function arrivedAt(watch: FireWatch, scheduledAt: number, countFrom: number): FireWatch {
  const oneTime = isOneTime(watch);
  return {
    ...watch,
    lastArrivedAt: scheduledAt,
    expectedAt: nextExpectedAfter(watch, countFrom),
    // The job records that it is done: its one fire came.
    ...(oneTime ? { oneTimeFiredAt: scheduledAt } : {}),
  };
}

async function recordNeverArrived(
  deps: MissedFireDependencies,
  watch: FireWatch,
  expectedAt: number,
  until: number,
): Promise<{ kind: "recorded"; scheduleState: ScheduleState } | { kind: "arrived-meanwhile" }> {
  const nowMs = deps.clock.now();
  const scheduleState = await inspect(deps, watch.jobId);
  const detail = neverArrivedDetail(watch, expectedAt, nowMs, scheduleState);
  const fire: FireRecord = {
    jobId: watch.jobId,
    fireKey: `${watch.jobId}#${scheduledTimeKey(expectedAt)}`,
    source: "schedule",
    scheduledAt: expectedAt,
    receivedAt: nowMs,
    outcome: "missed",
    reason: "never-arrived",
    detail,
    scheduleState,
  };
  const recorded = await retryTransient(
    () => deps.fireRecords.recordFireWithoutRun(fire, watch.historyRetentionDays),
    {
      clock: deps.clock,
      until,
      step: `sweep: recording job ${watch.jobId}'s missed fire`,
    },
  );
  // The fire came just now, with this very key: it arrived after all.
  if (recorded.kind === "duplicate") return { kind: "arrived-meanwhile" };
  deps.metrics.add(METRICS.firesMissed, 1, "Count", { jobId: watch.jobId, reason: "never-arrived" });
  deps.log.warn("fire never arrived", {
    jobId: watch.jobId,
    scheduledAt: new Date(expectedAt).toISOString(),
    scheduleState,
  });
  try {
    await deps.events.publish([
      {
        type: "fire.missed",
        jobId: watch.jobId,
        fireKey: fire.fireKey,
        scheduledAt: expectedAt,
        reason: "never-arrived",
        scheduleState,
        detail,
        at: nowMs,
      },
    ]);
  } catch (error) {
    // The record and the metric are what matter; a lost event must not undo them.
    deps.log.warn("could not publish a fire.missed event", { jobId: watch.jobId, error: String(error) });
  }
  return { kind: "recorded", scheduleState };
}

async function inspect(deps: MissedFireDependencies, jobId: string): Promise<ScheduleState> {
  if (!deps.scheduleInspector) return "unknown";
  try {
    return await deps.scheduleInspector.stateOf(jobId);
  } catch (error) {
    deps.log.warn("could not read a job's schedule", { jobId, error: String(error) });
    return "unknown";
  }
}

/** For a person: which fire, since when, what is known of the schedule, and what to do. */
export function neverArrivedDetail(
  watch: Pick<FireWatch, "jobId" | "schedule" | "timezone" | "graceMs">,
  expectedAt: number,
  nowMs: number,
  scheduleState: ScheduleState,
): string {
  const when = `no fire for ${describeTime(expectedAt)} (${watch.schedule}${watch.timezone === "UTC" ? "" : ` in ${watch.timezone}`}) arrived within ${describeDuration(watch.graceMs)}; noticed ${describeDuration(nowMs - expectedAt)} after its time.`;
  const rate = /^\s*rate/i.test(watch.schedule)
    ? " (A rate schedule's times count from its last fire, so that time is an estimate.)"
    : "";
  const what = {
    missing: `Its schedule does not exist (deleted outside agentcron?): agentcron doctor --repair creates it again.`,
    disabled: `Its schedule is disabled while the job is enabled: agentcron doctor --repair enables it.`,
    enabled: `Its schedule exists and is enabled, so its deliveries fail or are late: check the fires DLQ (agentcron dlq list fires) and the schedule's target (the fires queue and its policy or role).`,
    unknown: `agentcron doctor checks its schedule; agentcron doctor --repair re-creates what is missing.`,
  }[scheduleState];
  return `${when}${rate} ${what}`;
}
