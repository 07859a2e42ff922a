import type { ReconcileOptions, ScheduleChange } from "#core/ports.ts";
import { ReconcileIncompleteError } from "#core/schedules/reconcile-incomplete.ts";
import { PacerDeadlineError } from "./request-pacer.ts";

/**
 * Runs a reconcile body that records its changes as it makes them: each is passed to `onChange`
 * at once (logged as it happens), and the whole list is returned sorted by job. A pacer deadline
 * becomes {@link ReconcileIncompleteError} carrying the changes made so far.
 */
export async function reconcileInBudget(
  options: ReconcileOptions,
  body: (record: (change: ScheduleChange) => void) => Promise<void>,
): Promise<ScheduleChange[]> {
  const changes: ScheduleChange[] = [];
  const record = (change: ScheduleChange) => {
    changes.push(change);
    options.onChange?.(change);
  };
  try {
    await body(record);
  } catch (error) {
    if (error instanceof PacerDeadlineError) {
      throw new ReconcileIncompleteError(
        sortByJob(changes),
        error.message,
        error.resumeAfter ?? options.resumeAfter,
      );
    }
    throw error;
  }
  return sortByJob(changes);
}

export function sortByJob(changes: ScheduleChange[]): ScheduleChange[] {
  return changes.sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
}
