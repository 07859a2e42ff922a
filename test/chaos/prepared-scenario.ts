import { demoHarness } from "#adapters/harnesses/demo.ts";
import { turnTimeoutFor } from "#adapters/job-set-file.ts";
import { createCatalog } from "#core/jobs/catalog.ts";
import type { JobDefinition } from "#core/jobs/job-schema.ts";
import { validateJobSet } from "#core/jobs/job-set.ts";
import { LAMBDA_MAX_TIMEOUT_SECONDS } from "#core/jobs/time-budget.ts";
import { createPrng } from "./prng.ts";
import { backlogScenario, faultsScenario, type Scenario, type ScenarioName } from "./scenarios.ts";

/** A scenario with its jobs validated as a deployment would, and the turn timeout the stack derives. */
export interface PreparedScenario {
  readonly scenario: Scenario;
  readonly jobs: readonly JobDefinition[];
  /** `max(maxRunSeconds) + 30 s`, as the stack sets the turn function's timeout. */
  readonly turnTimeoutSeconds: number;
}

/**
 * Generates the scenario's jobs from the seed and validates them like `cdk synth` does (defaults
 * filled in: start deadlines, maxRunSeconds).
 *
 * @throws Error when a generated job is invalid (a bug in the scenario, not in the engine).
 */
export function prepareScenario(options: {
  seed: number;
  scenario: ScenarioName;
  fires: number;
  turnMaxConcurrency: number;
  startMs: number;
}): PreparedScenario {
  const build = options.scenario === "backlog" ? backlogScenario : faultsScenario;
  const scenario = build(
    createPrng(options.seed, "jobs"),
    options.startMs,
    options.fires,
    options.turnMaxConcurrency,
  );
  const validated = validateJobSet(
    { jobs: scenario.jobs },
    { catalog: createCatalog([demoHarness], []), functionTimeoutSeconds: LAMBDA_MAX_TIMEOUT_SECONDS },
  );
  if (!validated.ok) {
    const issues = validated.issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    throw new Error(`the ${options.scenario} scenario generated invalid jobs: ${issues}`);
  }
  return { scenario, jobs: validated.jobs, turnTimeoutSeconds: turnTimeoutFor(validated.jobs) };
}

/** One job in one line, for the summary: what it does and how it is scheduled. */
export function describeJob(job: JobDefinition): string {
  const options = job.agent.options as { delayMs?: number; failRate?: number };
  return [
    job.id,
    job.schedule,
    job.overlap,
    `work ${Math.round((options.delayMs ?? 0) / 1000)}s`,
    options.failRate ? `failRate ${options.failRate}` : "",
    job.retryOnStall ? `retryOnStall ${job.retryOnStall}` : "",
    `startDeadline ${job.startDeadlineSeconds}s`,
  ]
    .filter(Boolean)
    .join(" · ");
}
