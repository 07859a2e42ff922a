import type { ValidationIssue } from "../errors.ts";
import type { JobStore, StoredJob } from "../ports.ts";
import { type JobDefinition, type JobValidationContext, validateJob } from "./job-schema.ts";

export type LoadedJob =
  | { readonly kind: "valid"; readonly stored: StoredJob; readonly job: JobDefinition }
  | { readonly kind: "invalid"; readonly stored: StoredJob; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: "missing" };

/**
 * Reads a job fresh (DESIGN invariant 6) and validates it with this deployment's catalog, so a
 * stored job that names an unregistered harness is caught here, not deep inside a run.
 */
export async function loadJob(
  jobs: Pick<JobStore, "getJob">,
  jobId: string,
  context: JobValidationContext,
): Promise<LoadedJob> {
  const stored = await jobs.getJob(jobId);
  if (!stored) return { kind: "missing" };
  const result = validateJob(stored.spec, context);
  return result.ok
    ? { kind: "valid", stored, job: result.job }
    : { kind: "invalid", stored, issues: result.issues };
}
