import type { Clock } from "../clock.ts";
import type { FireWatchStore, JobStore, ScheduleChange, Schedules, StoredJob } from "../ports.ts";
import { applyJobs } from "./apply-jobs.ts";
import { ownershipAfterOperatorChoice } from "./job-ownership.ts";
import type { JobValidationContext } from "./job-schema.ts";

export interface OperatorDependencies {
  readonly jobs: JobStore;
  readonly clock: Clock;
  readonly validation: JobValidationContext;
  readonly schedules: Schedules;
  readonly fireWatch?: FireWatchStore;
}

export interface EnabledChange {
  readonly stored: StoredJob;
  /** False when the job already was as asked. */
  readonly changed: boolean;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly schedule?: ScheduleChange;
}

/**
 * `jobs pause` / `jobs resume`: stores the job with `enabled` set (a new version) and reconciles
 * its schedule. The job keeps its owner; for a file job the choice is recorded, so applying the
 * file again (npm start, cdk deploy) keeps it until the file changes that job's `enabled`.
 *
 * @throws ConcurrentJobChangeError when the job changed in between.
 */
export async function setJobEnabled(
  stored: StoredJob,
  enabled: boolean,
  deps: OperatorDependencies,
): Promise<EnabledChange> {
  const already = stored.spec.enabled !== false ? enabled : !enabled;
  const nowMs = deps.clock.now();
  const updated = already
    ? stored
    : await deps.jobs.putJob(
        { ...stored.spec, enabled },
        stored,
        nowMs,
        ownershipAfterOperatorChoice(stored, enabled, nowMs),
      );
  // Reconcile every stored job's schedule (this one changed; any other missing comes back too).
  const report = await applyJobs({ jobs: [] }, deps, { prune: false, dryRun: false, allowEmpty: true });
  return {
    stored: updated,
    changed: !already,
    fromVersion: stored.version,
    toVersion: updated.version,
    schedule: report.schedules?.find((change) => change.jobId === stored.jobId),
  };
}

/**
 * `jobs delete ID`: deletes the job (whoever owns it) and its schedule. A file job deleted this way
 * comes back at the next deploy or start while the file still lists it.
 *
 * @throws ConcurrentJobChangeError when the job changed in between.
 */
export async function deleteJob(
  stored: StoredJob,
  deps: OperatorDependencies,
): Promise<ScheduleChange | undefined> {
  await deps.jobs.deleteJob(stored.jobId, stored.version);
  const report = await applyJobs({ jobs: [] }, deps, { prune: false, allowEmpty: true });
  return report.schedules?.find((change) => change.jobId === stored.jobId);
}
