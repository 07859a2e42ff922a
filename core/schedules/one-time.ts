import { oneTimeInstant } from "../jobs/next-fire.ts";
import { parseScheduleExpression } from "../jobs/schedule-expression.ts";
import { UTC } from "../jobs/time-zone.ts";
import type { ScheduledJob } from "../ports.ts";

/**
 * When a one-time job fires (epoch ms), or undefined for a recurring job (or a schedule that does
 * not parse, or an at() time its zone skips).
 */
export function oneTimeFireAt(job: Pick<ScheduledJob, "schedule" | "timezone">): number | undefined {
  let schedule: ReturnType<typeof parseScheduleExpression>;
  try {
    schedule = parseScheduleExpression(job.schedule);
  } catch {
    return undefined;
  }
  return schedule.kind === "at" ? oneTimeInstant(schedule.at, job.timezone ?? UTC) : undefined;
}

/**
 * Whether a job's time is over: a one-time job whose at() time has come. Its schedule deletes
 * itself after firing (EventBridge Scheduler's ActionAfterCompletion DELETE; the local scheduler
 * does the same), so reconciling never creates it again — a deploy of an unchanged jobs.json does
 * not fire a one-time job twice.
 */
export function isOneTimeJobOver(job: Pick<ScheduledJob, "schedule" | "timezone">, nowMs: number): boolean {
  const at = oneTimeFireAt(job);
  return at !== undefined && at <= nowMs;
}
