import type { Clock } from "../clock.ts";
import { JobValidationError } from "../errors.ts";
import type { JobStore, ScheduleChange, Schedules, StoredJob } from "../ports.ts";
import { canonicalJson } from "./canonical-json.ts";
import { type JobDefinition, type JobValidationContext, validateJob } from "./job-schema.ts";
import { validateJobSet } from "./job-set.ts";

export type JobChangeKind = "created" | "updated" | "unchanged" | "deleted" | "not-in-set";

export interface JobChange {
  readonly jobId: string;
  readonly kind: JobChangeKind;
  /** For updates: the top-level fields that differ (`schedule`, `agent`, ...). */
  readonly changedFields?: readonly string[];
  readonly fromVersion?: number;
  readonly toVersion?: number;
}

export interface ApplyJobsOptions {
  /** Delete stored jobs that are not in the set. @default false (they are reported as `not-in-set`) */
  readonly prune?: boolean;
  /** Validate and compute the changes, write nothing. @default false */
  readonly dryRun?: boolean;
}

export interface ApplyJobsReport {
  readonly changes: readonly JobChange[];
  readonly applied: boolean;
  /** What the schedule reconciler changed (when schedules were given). */
  readonly schedules?: readonly ScheduleChange[];
}

/**
 * Compares the set being applied with what is stored: which jobs are new, which changed (and in
 * which fields), which are unchanged and which are stored but absent from the set.
 */
export function planJobChanges(
  specs: readonly Record<string, unknown>[],
  stored: readonly StoredJob[],
  options: { prune: boolean },
): JobChange[] {
  const storedById = new Map(stored.map((job) => [job.jobId, job]));
  const changes: JobChange[] = [];
  for (const spec of specs) {
    const jobId = String(spec.id);
    const previous = storedById.get(jobId);
    storedById.delete(jobId);
    if (!previous) {
      changes.push({ jobId, kind: "created", toVersion: 1 });
      continue;
    }
    const fields = [...new Set([...Object.keys(spec), ...Object.keys(previous.spec)])].filter(
      (field) =>
        canonicalJson(spec[field]) !== canonicalJson((previous.spec as Record<string, unknown>)[field]),
    );
    changes.push(
      fields.length === 0
        ? { jobId, kind: "unchanged", fromVersion: previous.version, toVersion: previous.version }
        : {
            jobId,
            kind: "updated",
            changedFields: fields.sort(),
            fromVersion: previous.version,
            toVersion: previous.version + 1,
          },
    );
  }
  for (const job of storedById.values()) {
    changes.push({
      jobId: job.jobId,
      kind: options.prune ? "deleted" : "not-in-set",
      fromVersion: job.version,
    });
  }
  return changes.sort((a, b) => (a.jobId < b.jobId ? -1 : 1));
}

/**
 * Validates a whole set of jobs and upserts it, reporting exactly what changed. If anything in the
 * set is invalid, nothing is written and every problem is reported with its path.
 *
 * @throws JobValidationError listing every problem.
 * @throws ConcurrentJobChangeError when a job changed while the set was being applied.
 */
export async function applyJobs(
  input: unknown,
  deps: { jobs: JobStore; clock: Clock; validation: JobValidationContext; schedules?: Schedules },
  options: ApplyJobsOptions = {},
): Promise<ApplyJobsReport> {
  const validated = validateJobSet(input, deps.validation);
  if (!validated.ok) throw new JobValidationError(validated.issues, "job set");
  const stored = await deps.jobs.listJobs();
  const changes = planJobChanges(validated.specs, stored, { prune: options.prune ?? false });
  if (options.dryRun) {
    const schedules = deps.schedules
      ? await deps.schedules.reconcile(finalJobs(validated.jobs, stored, changes, deps.validation), {
          dryRun: true,
        })
      : undefined;
    return { changes, applied: false, schedules };
  }

  const storedById = new Map(stored.map((job) => [job.jobId, job]));
  const specById = new Map(validated.specs.map((spec) => [String(spec.id), spec]));
  const nowMs = deps.clock.now();
  for (const change of changes) {
    if (change.kind === "created" || change.kind === "updated") {
      const spec = specById.get(change.jobId) as StoredJob["spec"];
      await deps.jobs.putJob(spec, storedById.get(change.jobId), nowMs);
    } else if (change.kind === "deleted") {
      await deps.jobs.deleteJob(change.jobId, change.fromVersion ?? 0);
    }
  }
  const schedules = deps.schedules
    ? await deps.schedules.reconcile(finalJobs(validated.jobs, stored, changes, deps.validation))
    : undefined;
  return { changes, applied: true, schedules };
}

/** Every job stored once the set is applied: the set itself plus stored jobs it kept (not pruned). */
function finalJobs(
  applied: readonly JobDefinition[],
  stored: readonly StoredJob[],
  changes: readonly JobChange[],
  validation: JobValidationContext,
): JobDefinition[] {
  const kept = new Set(
    changes.filter((change) => change.kind === "not-in-set").map((change) => change.jobId),
  );
  const others = stored
    .filter((job) => kept.has(job.jobId))
    .map((job) => validateJob(job.spec, validation))
    .flatMap((result) => (result.ok ? [result.job] : []));
  return [...applied, ...others];
}
