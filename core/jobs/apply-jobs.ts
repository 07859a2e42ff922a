import type { Clock } from "../clock.ts";
import type { ValidationIssue } from "../errors.ts";
import { JobValidationError } from "../errors.ts";
import type { JobStore, ScheduleChange, ScheduledJob, Schedules, StoredJob } from "../ports.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { JobDefinition, JobValidationContext } from "./job-schema.ts";
import { validateJobSet } from "./job-set.ts";
import { parseScheduleExpression } from "./schedule-expression.ts";

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
  /** The deployment's turn concurrency, for the simultaneous-fires warning. @default no warning */
  readonly turnConcurrency?: number;
}

export interface ApplyJobsReport {
  readonly changes: readonly JobChange[];
  readonly applied: boolean;
  /** What the schedule reconciler changed (when schedules were given). */
  readonly schedules?: readonly ScheduleChange[];
  /** Valid, but worth a look (see ValidatedJobSet.warnings). */
  readonly warnings: readonly ValidationIssue[];
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
  const validated = validateJobSet(input, deps.validation, { turnConcurrency: options.turnConcurrency });
  if (!validated.ok) throw new JobValidationError(validated.issues, "job set");
  const stored = await deps.jobs.listJobs();
  const changes = planJobChanges(validated.specs, stored, { prune: options.prune ?? false });
  if (options.dryRun) {
    const schedules = deps.schedules
      ? await deps.schedules.reconcile(finalJobs(validated.jobs, stored, changes), {
          dryRun: true,
        })
      : undefined;
    return { changes, applied: false, schedules, warnings: validated.warnings };
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
    ? await deps.schedules.reconcile(finalJobs(validated.jobs, stored, changes))
    : undefined;
  return { changes, applied: true, schedules, warnings: validated.warnings };
}

/**
 * Every job stored once the set is applied: the set itself plus stored jobs it kept (not pruned).
 * A kept job keeps its schedule even when it no longer validates (say, its harness is not
 * registered in this build): its fires must keep coming so its runs fail loudly (field report 4),
 * not stop quietly because its rule was deleted. Only a schedule that does not parse is left out.
 */
function finalJobs(
  applied: readonly JobDefinition[],
  stored: readonly StoredJob[],
  changes: readonly JobChange[],
): ScheduledJob[] {
  const kept = new Set(
    changes.filter((change) => change.kind === "not-in-set").map((change) => change.jobId),
  );
  const others = stored
    .filter((job) => kept.has(job.jobId))
    .flatMap((job): ScheduledJob[] => {
      const schedule = String(job.spec.schedule);
      try {
        parseScheduleExpression(schedule);
      } catch {
        return [];
      }
      const { description, timezone, flexibleWindowMinutes } = job.spec;
      return [
        {
          id: job.jobId,
          schedule,
          enabled: job.spec.enabled !== false,
          description: typeof description === "string" ? description : undefined,
          timezone: typeof timezone === "string" ? timezone : undefined,
          flexibleWindowMinutes:
            typeof flexibleWindowMinutes === "number" ? flexibleWindowMinutes : undefined,
        },
      ];
    });
  return [...applied, ...others];
}
