import type { ValidationIssue } from "../errors.ts";
import { describeTime } from "../time-format.ts";
import type { JobDefinition } from "./job-schema.ts";
import { nextFireTimes } from "./next-fire.ts";
import { parseScheduleExpression } from "./schedule-expression.ts";

const MINUTE_MS = 60_000;
/** A day of minutes, from a fixed Monday, so the answer does not depend on today. */
const HORIZON_START_MS = Date.UTC(2026, 0, 5);
const HORIZON_MINUTES = 24 * 60;

export interface SimultaneousFires {
  /** The most enabled jobs due in one minute. */
  readonly peak: number;
  /** The first minute with that many. */
  readonly at: number;
  readonly jobIds: readonly string[];
}

/**
 * The most enabled jobs whose schedules fire in the same minute over a day. Rate schedules are
 * counted as the local runtime runs them (aligned to whole periods since the epoch); in AWS a rate
 * rule counts from its creation, so they may spread out more than this says.
 */
export function peakSimultaneousFires(
  jobs: readonly (Pick<JobDefinition, "id" | "schedule" | "enabled"> & { readonly timezone?: string })[],
): SimultaneousFires {
  const byMinute = new Map<number, string[]>();
  for (const job of jobs) {
    if (!job.enabled) continue;
    let fires: Date[];
    try {
      fires = nextFireTimes(parseScheduleExpression(job.schedule), HORIZON_START_MS - 1, HORIZON_MINUTES, {
        timezone: job.timezone,
      });
    } catch {
      continue; // an invalid schedule is reported by validation itself
    }
    for (const fire of fires) {
      const minute = Math.floor(fire.getTime() / MINUTE_MS);
      if (minute >= HORIZON_START_MS / MINUTE_MS + HORIZON_MINUTES) break;
      const due = byMinute.get(minute) ?? [];
      due.push(job.id);
      byMinute.set(minute, due);
    }
  }
  let best: SimultaneousFires = { peak: 0, at: HORIZON_START_MS, jobIds: [] };
  for (const [minute, jobIds] of [...byMinute].sort(([a], [b]) => a - b)) {
    if (jobIds.length > best.peak) best = { peak: jobIds.length, at: minute * MINUTE_MS, jobIds };
  }
  return best;
}

/**
 * A warning (not an error) when more jobs can fire in the same minute than the turn function runs
 * at once: the rest wait in the turns queue, and a run that waits past its start deadline ends
 * `not-started`. Undefined when they fit.
 */
export function simultaneousFiresWarning(
  jobs: readonly (Pick<JobDefinition, "id" | "schedule" | "enabled"> & { readonly timezone?: string })[],
  turnConcurrency: number,
): ValidationIssue | undefined {
  const { peak, at, jobIds } = peakSimultaneousFires(jobs);
  if (peak <= turnConcurrency) return undefined;
  const time = describeTime(at).slice(11, 16);
  const names = jobIds.slice(0, 5).join(", ") + (jobIds.length > 5 ? `, and ${jobIds.length - 5} more` : "");
  return {
    path: "jobs",
    message:
      `${peak} jobs can fire in the same minute (e.g. ${time} UTC: ${names}), but at most ${turnConcurrency} turns run at once; ` +
      "the others wait in the turns queue, and one that waits past its start deadline ends not-started. " +
      "Spread the schedules, raise the turn concurrency (turnMaxConcurrency), or give the jobs a longer startDeadlineSeconds.",
  };
}
