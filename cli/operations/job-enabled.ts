import { getJob } from "#adapters/dynamodb/reads.ts";
import { applyJobs, type JobChange } from "#core/jobs/apply-jobs.ts";
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
}

/**
 * Pauses (`enabled` false) or resumes a job: stores it with `enabled` flipped — a new version —
 * through the same apply path as `jobs apply`, so its schedule rule is disabled or enabled with it.
 * @throws NotFoundError when the deployment has no such job.
 */
export async function setJobEnabled(
  deployment: Deployment,
  jobId: string,
  enabled: boolean,
): Promise<JobEnabledChange> {
  const stored = await getJob(deployment.table, jobId);
  if (!stored) throw jobNotFound(deployment, jobId);
  const already = (stored.spec.enabled ?? true) === enabled;
  const spec = already ? stored.spec : { ...stored.spec, enabled };
  const schedules = await deployment.schedules();
  const report = await applyJobs(
    { jobs: [spec] },
    { jobs: deployment.store.jobs, clock: deployment.clock, validation: deployment.validation, schedules },
    { prune: false },
  );
  return {
    jobId,
    enabled,
    changed: !already,
    fromVersion: stored.version,
    change: report.changes.find((candidate) => candidate.jobId === jobId),
    rule: report.schedules?.find((candidate) => candidate.jobId === jobId),
  };
}
