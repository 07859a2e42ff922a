import type { ValidationIssue } from "../errors.ts";
import { describeUnknownKey, joinPath, ROOT_PATH } from "../validation.ts";
import { simultaneousFiresWarning } from "./fire-concurrency.ts";
import { type JobDefinition, type JobValidationContext, validateJob } from "./job-schema.ts";

export interface ValidatedJobSet {
  /** Each job as the user wrote it — what is stored, so defaults stay those of the running code. */
  readonly specs: readonly Record<string, unknown>[];
  readonly jobs: readonly JobDefinition[];
  /** Valid, but worth a look: e.g. more jobs can fire in one minute than turns run at once. */
  readonly warnings: readonly ValidationIssue[];
}

export type JobSetValidationResult =
  | ({ readonly ok: true } & ValidatedJobSet)
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * The keys a jobs file may have besides its jobs: `$schema`, which points an editor at
 * schema/jobs.schema.json for completion and checking as you type.
 */
const JOB_SET_KEYS = ["$schema", "jobs"];

/**
 * Validates a whole jobs file — `{ "jobs": [...] }` (with an optional `$schema`) or a bare array —
 * and reports every problem of every job with its path (`jobs[2].schedule`), plus duplicate ids
 * and unknown top-level keys. Nothing is valid unless all is.
 */
export function validateJobSet(
  input: unknown,
  context: JobValidationContext,
  options: {
    /** The deployment's turn concurrency: warn when more jobs can fire in one minute. */
    readonly turnConcurrency?: number;
  } = {},
): JobSetValidationResult {
  const list = Array.isArray(input) ? input : (input as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(list)) {
    const isObject = typeof input === "object" && input !== null;
    return {
      ok: false,
      issues: [
        {
          path: isObject ? "jobs" : ROOT_PATH,
          message: `expected {"jobs": [ ... ]} or an array of job definitions, got ${describeJson(isObject ? (input as { jobs?: unknown }).jobs : input)}`,
        },
      ],
    };
  }
  const issues: ValidationIssue[] = Array.isArray(input)
    ? []
    : topLevelIssues(input as Record<string, unknown>);
  const jobs: JobDefinition[] = [];
  const firstIndexById = new Map<string, number>();
  list.forEach((spec, index) => {
    const result = validateJob(spec, context);
    if (result.ok) jobs.push(result.job);
    else
      issues.push(
        ...result.issues.map((issue) => ({ ...issue, path: joinPath(`jobs[${index}]`, issue.path) })),
      );
    const id = (spec as { id?: unknown } | null)?.id;
    if (typeof id !== "string") return;
    const first = firstIndexById.get(id);
    if (first === undefined) firstIndexById.set(id, index);
    else issues.push({ path: `jobs[${index}].id`, message: `duplicate id "${id}" (also jobs[${first}].id)` });
  });
  if (issues.length > 0) return { ok: false, issues };
  const crowded =
    options.turnConcurrency !== undefined
      ? simultaneousFiresWarning(jobs, options.turnConcurrency)
      : undefined;
  return { ok: true, specs: list as Record<string, unknown>[], jobs, warnings: crowded ? [crowded] : [] };
}

/** `null`, `a string`, `an array`, ...: what was found where a list was expected. */
function describeJson(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function topLevelIssues(document: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = Object.keys(document)
    .filter((key) => !JOB_SET_KEYS.includes(key))
    .map((key) => ({ path: key, message: describeUnknownKey(key, JOB_SET_KEYS) }));
  if (document.$schema !== undefined && typeof document.$schema !== "string") {
    issues.push({ path: "$schema", message: "expected the path or URL of the JSON Schema, as a string" });
  }
  return issues;
}
