import type { ScheduleChange } from "../ports.ts";

/**
 * A reconcile ran out of its time budget (`deadlineAt`) before it was done. What it changed is in
 * `changes`; reconciling is idempotent, so a next call with the same jobs finishes the rest (the
 * deploy's custom resource continues in a new invocation).
 */
export class ReconcileIncompleteError extends Error {
  override name = "ReconcileIncompleteError";
  constructor(
    readonly changes: readonly ScheduleChange[],
    reason: string,
    /** Pass as `resumeAfter` to the next call: everything up to it is done. */
    readonly resumeAfter?: string,
  ) {
    super(`the schedules are not all reconciled yet (${changes.length} changes made): ${reason}`);
  }
}
