import { getJob } from "#adapters/dynamodb/reads.ts";
import type { JobChange } from "#core/jobs/apply-jobs.ts";
import { setJobEnabled as storeJobEnabled } from "#core/jobs/operator-commands.ts";
import type { ScheduleChange } from "#core/ports.ts";
import type { Deployment } from "../target.ts";
import { jobNotFound } from "./job-overview.ts";

/** What pausing or resuming a job did. */
export interface JobEnabledChange {
  readonly jobId: string;
  readonly enabled: boolean;
  /** False when the job already was in that state (nothing stored; its rule reconciled anyway). */
  readonly changed: boolean;
  /** The version before the change. */
  readonly fromVersion: number;
  readonly change?: JobChange;
  /** What became of its schedule rule. */
  readonly rule?: ScheduleChange;
  /**
   * The job comes from the jobs file: the choice is kept when the file is applied again (npm
   * start, cdk deploy) until the file changes the job's `enabled` (core/jobs/job-ownership.ts).
   */
  readonly fromFile: boolean;
}

/**
 * Pauses (`enabled` false) or resumes a job: stores it with `enabled` flipped — a new version,
 * the same owner — and reconciles the schedules, so its rule is disabled or enabled with it.
 * @throws NotFoundError when the deployment has no such job.
 */
export async function setJobEnabled(
  deployment: Deployment,
  jobId: string,
  enabled: boolean,
): Promise<JobEnabledChange> {
  const stored = await getJob(deployment.table, jobId);
  if (!stored) throw jobNotFound(deployment, jobId);
  const result = await storeJobEnabled(stored, enabled, {
    jobs: deployment.store.jobs,
    clock: deployment.clock,
    validation: deployment.validation,
    schedules: await deployment.schedules(),
    fireWatch: deployment.store.fireWatch,
  });
  return {
    jobId,
    enabled,
    changed: result.changed,
    fromVersion: stored.version,
    change: result.changed
      ? {
          jobId,
          kind: "updated",
          changedFields: ["enabled"],
          fromVersion: result.fromVersion,
          toVersion: result.toVersion,
        }
      : { jobId, kind: "unchanged", fromVersion: stored.version, toVersion: stored.version },
    rule: result.schedule,
    fromFile: stored.managedBy === "file",
  };
}
