import type { Clock } from "../clock.ts";
import type { ValidationIssue } from "../errors.ts";
import { JobValidationError } from "../errors.ts";
import type {
  FireWatchStore,
  JobOwnership,
  JobStore,
  ReconcileOptions,
  ScheduleChange,
  ScheduledJob,
  Schedules,
  StoredJob,
} from "../ports.ts";
import { armFireWatches } from "../schedules/arm-fire-watches.ts";
import { canonicalJson } from "./canonical-json.ts";
import { type JobSource, ownedSpecOf, prunableBy, sameOwnership } from "./job-ownership.ts";
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
  /** A file job whose `enabled` is the operator's (jobs pause/resume), not the file's. */
  readonly keptOperatorEnabled?: boolean;
}

export interface ApplyJobsOptions {
  /**
   * Delete stored jobs that are not in the set — from a `file` source only the jobs the file owns
   * (see job-ownership.ts). @default false (they are reported as `not-in-set`)
   */
  readonly prune?: boolean;
  /** Validate and compute the changes, write nothing. @default false */
  readonly dryRun?: boolean;
  /** The deployment's turn concurrency, for the simultaneous-fires warning. @default no warning */
  readonly turnConcurrency?: number;
  /** Who is applying: the deployed jobs file, or an operator with the CLI. @default "cli" */
  readonly source?: JobSource;
  /** Let a prune delete every stored job (an empty set). @default false */
  readonly allowEmpty?: boolean;
  /** Passed to the schedule reconciler (time budget, resume point, change log). */
  readonly reconcile?: Omit<ReconcileOptions, "dryRun">;
}

export interface ApplyJobsReport {
  readonly changes: readonly JobChange[];
  readonly applied: boolean;
  /** What the schedule reconciler changed (when schedules were given). */
  readonly schedules?: readonly ScheduleChange[];
  /** Valid, but worth a look (see ValidatedJobSet.warnings). */
  readonly warnings: readonly ValidationIssue[];
}

/** A prune would delete every stored job: refused unless asked for (`allowEmpty`). */
export class EmptyJobSetError extends Error {
  override name = "EmptyJobSetError";
}

/** Table writes in flight while applying a set (10,000 jobs must fit in a deploy's budget). */
const WRITE_CONCURRENCY = 16;

/**
 * Compares the set being applied with what is stored: which jobs are new, which changed (and in
 * which fields), which are unchanged and which are stored but absent from the set — deleted when
 * pruning and the source may prune them (a file prunes only its own jobs).
 */
export function planJobChanges(
  specs: readonly Record<string, unknown>[],
  stored: readonly StoredJob[],
  options: { prune: boolean; source?: JobSource },
): JobChange[] {
  const source = options.source ?? "cli";
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
      kind: options.prune && prunableBy(job, source) ? "deleted" : "not-in-set",
      fromVersion: job.version,
    });
  }
  return changes.sort((a, b) => (a.jobId < b.jobId ? -1 : 1));
}

/**
 * Validates a whole set of jobs and upserts it, reporting exactly what changed, then reconciles
 * the schedules of every stored job (so a schedule deleted by hand comes back on every apply). If
 * anything in the set is invalid, nothing is written and every problem is reported with its path.
 *
 * @throws JobValidationError listing every problem.
 * @throws EmptyJobSetError when a prune would delete every stored job and `allowEmpty` is not set.
 * @throws ConcurrentJobChangeError when a job changed while the set was being applied.
 * @throws ReconcileIncompleteError when the reconcile's time budget ran out (the jobs are stored).
 */
export async function applyJobs(
  input: unknown,
  deps: {
    jobs: JobStore;
    clock: Clock;
    validation: JobValidationContext;
    schedules?: Schedules;
    /** Expected fires, armed for the jobs the set leaves (missed-fire detection). */
    fireWatch?: FireWatchStore;
  },
  options: ApplyJobsOptions = {},
): Promise<ApplyJobsReport> {
  const source = options.source ?? "cli";
  const validated = validateJobSet(input, deps.validation, { turnConcurrency: options.turnConcurrency });
  if (!validated.ok) throw new JobValidationError(validated.issues, "job set");
  const stored = await deps.jobs.listJobs();
  const storedById = new Map(stored.map((job) => [job.jobId, job]));
  const owned = new Map(
    validated.specs.map((spec) => [
      String(spec.id),
      ownedSpecOf(spec as StoredJob["spec"], storedById.get(String(spec.id)), source),
    ]),
  );
  const effectiveSpecs = [...owned.values()].map((entry) => entry.spec);
  const changes = planJobChanges(effectiveSpecs, stored, { prune: options.prune ?? false, source }).map(
    (change) =>
      owned.get(change.jobId)?.ownership.operatorEnabled ? { ...change, keptOperatorEnabled: true } : change,
  );
  const deletions = changes.filter((change) => change.kind === "deleted").length;
  const remaining = changes.filter((change) => change.kind !== "deleted").length;
  if (deletions > 0 && remaining === 0 && !options.allowEmpty) {
    throw new EmptyJobSetError(
      `refusing to delete every job (${deletions}): the set applied with prune is empty. If that is what you mean, pass --allow-empty; otherwise check the file.`,
    );
  }
  const scheduled = finalJobs(
    validated.jobs.map((job) => ({ ...job, enabled: owned.get(job.id)?.spec.enabled !== false })),
    stored,
    changes,
  );
  if (options.dryRun) {
    const schedules = deps.schedules
      ? await deps.schedules.reconcile(scheduled, { ...options.reconcile, dryRun: true })
      : undefined;
    return { changes, applied: false, schedules, warnings: validated.warnings };
  }

  const nowMs = deps.clock.now();
  await forEachConcurrently(changes, WRITE_CONCURRENCY, async (change) => {
    const previous = storedById.get(change.jobId);
    const entry = owned.get(change.jobId);
    if ((change.kind === "created" || change.kind === "updated") && entry) {
      await deps.jobs.putJob(entry.spec, previous, nowMs, entry.ownership);
    } else if (
      change.kind === "unchanged" &&
      entry &&
      previous &&
      !sameOwnership(ownershipOf(previous), entry.ownership)
    ) {
      // The same job, now owned by whoever applied it (a file adopts the jobs it lists).
      await deps.jobs.setJobOwnership(change.jobId, previous.version, entry.ownership);
    } else if (change.kind === "deleted") {
      await deps.jobs.deleteJob(change.jobId, change.fromVersion ?? 0);
    }
  });
  const schedules = deps.schedules ? await deps.schedules.reconcile(scheduled, options.reconcile) : undefined;
  if (deps.fireWatch) {
    const deleted = changes.filter((change) => change.kind === "deleted").map((change) => change.jobId);
    await armFireWatches(deps.fireWatch, scheduled, deleted, deps.clock.now());
  }
  return { changes, applied: true, schedules, warnings: validated.warnings };
}

function ownershipOf(job: StoredJob): JobOwnership {
  return { managedBy: job.managedBy, operatorEnabled: job.operatorEnabled };
}

/** Runs `work` on every item, `limit` at a time; after a failure starts no more, then rethrows it. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      try {
        await work(items[next++] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
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
      const { description, timezone, flexibleWindowMinutes, startDeadlineSeconds } = job.spec;
      return [
        {
          id: job.jobId,
          schedule,
          enabled: job.spec.enabled !== false,
          description: typeof description === "string" ? description : undefined,
          timezone: typeof timezone === "string" ? timezone : undefined,
          flexibleWindowMinutes:
            typeof flexibleWindowMinutes === "number" ? flexibleWindowMinutes : undefined,
          startDeadlineSeconds: typeof startDeadlineSeconds === "number" ? startDeadlineSeconds : undefined,
        },
      ];
    });
  return [...applied, ...others];
}
