import { parseScheduleExpression, type ScheduleExpression } from "../jobs/schedule-expression.ts";
import { defaultStartDeadlineSeconds } from "../jobs/start-deadline.ts";
import type { ScheduledJob } from "../ports.ts";

/** EventBridge Scheduler's bounds on a target's MaximumEventAgeInSeconds. */
const MIN_EVENT_AGE_SECONDS = 60;
const MAX_EVENT_AGE_SECONDS = 86_400;

/**
 * How long after its scheduled time a fire may still be delivered (the schedule's retry policy's
 * maximum event age), in seconds: the job's start deadline — its `startDeadlineSeconds`, or the
 * default from its period (core/jobs/start-deadline.ts). A fire later than that could not start its
 * run anyway (dispatch ends it as `missed`); within Scheduler's 60 s - 24 h.
 */
export function fireDeadlineSeconds(
  job: Pick<ScheduledJob, "schedule"> & { readonly startDeadlineSeconds?: unknown },
): number {
  const seconds =
    typeof job.startDeadlineSeconds === "number"
      ? job.startDeadlineSeconds
      : defaultStartDeadlineSeconds(tryParse(job.schedule));
  return Math.min(MAX_EVENT_AGE_SECONDS, Math.max(MIN_EVENT_AGE_SECONDS, Math.floor(seconds)));
}

function tryParse(schedule: string): ScheduleExpression | undefined {
  try {
    return parseScheduleExpression(schedule);
  } catch {
    return undefined;
  }
}
