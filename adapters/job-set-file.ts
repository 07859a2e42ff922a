import { readFileSync } from "node:fs";
import { builtInRegistry } from "#adapters/registry.ts";
import { JobValidationError } from "#core/errors.ts";
import type { JobDefinition } from "#core/jobs/job-schema.ts";
import { validateJobSet } from "#core/jobs/job-set.ts";
import { FALLBACK_RUN_SETTINGS } from "#core/jobs/run-settings.ts";
import { DEFAULT_SCHEDULE_BACKEND, type ScheduleBackend } from "#core/jobs/schedule-backend.ts";
import { CEILING_MARGIN_SECONDS, LAMBDA_MAX_TIMEOUT_SECONDS } from "#core/jobs/time-budget.ts";
import { describeJsonProblem, parseJsonText } from "#core/json-text.ts";

/** A job set read from a file (jobs.json): what `cdk deploy` deploys and `npm start` applies. */
export interface DeployedJobSet {
  /** The file as written (what the custom resource applies; defaults stay those of the running code). */
  readonly document: unknown;
  /** Every job validated, with defaults filled in and budgets resolved. */
  readonly jobs: readonly JobDefinition[];
}

/**
 * Validates a job set at synth time — against the harnesses and plugin types this build registers,
 * Lambda's 900 s ceiling and what the stage's schedule backend can do — so an invalid jobs.json
 * fails `cdk synth` with every problem and its path instead of failing the deployment halfway.
 *
 * @throws JobValidationError listing every problem (`jobs[1].schedule: ...`).
 */
export function validateDeployedJobSet(
  document: unknown,
  source = "jobs.json",
  schedules: ScheduleBackend = DEFAULT_SCHEDULE_BACKEND,
): DeployedJobSet {
  const result = validateJobSet(document, {
    catalog: builtInRegistry.catalog,
    functionTimeoutSeconds: LAMBDA_MAX_TIMEOUT_SECONDS,
    schedules,
  });
  if (!result.ok) throw new JobValidationError(result.issues, `job set ${source}`);
  return { document, jobs: result.jobs };
}

/**
 * Reads and validates a jobs file.
 * @throws Error when the file cannot be read or is not JSON (saying at which line and column);
 *   JobValidationError when a job is invalid.
 */
export function loadJobSet(
  path: string,
  schedules: ScheduleBackend = DEFAULT_SCHEDULE_BACKEND,
): DeployedJobSet {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read the job set ${path}: ${(error as Error).message}. Pass another one (cdk: -c jobsFile=PATH; npm start: --jobs PATH).`,
    );
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new Error(`the job set ${path} is not valid JSON:\n${describeJsonProblem(text, parsed.problem)}`);
  }
  return validateDeployedJobSet(parsed.value, path, schedules);
}

/**
 * The turn function's timeout, derived from the jobs' budgets (DESIGN invariant 8): the longest
 * `maxRunSeconds` plus the ceiling margin (time to abort and record the outcome), capped at
 * Lambda's 900 s. With no jobs, a job with default budgets must fit.
 */
export function turnTimeoutFor(jobs: readonly JobDefinition[]): number {
  const longestRun =
    jobs.reduce((longest, job) => Math.max(longest, job.maxRunSeconds), 0) ||
    FALLBACK_RUN_SETTINGS.maxRunSeconds;
  return Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, longestRun + CEILING_MARGIN_SECONDS);
}
