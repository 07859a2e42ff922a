import type { DispatchDependencies } from "#core/fires/dispatch-fire.ts";
import type { FireMessage } from "#core/fires/fire-message.ts";
import type { JobSpec } from "#core/jobs/job-schema.ts";
import type { StoredJob } from "#core/ports.ts";
import type { SweepDependencies } from "#core/sweep/sweep.ts";
import { dispatchDependenciesOf, sweepDependenciesOf } from "#functions/commons/wiring.ts";
import type { DispatchHandlerDependencies } from "#functions/handlers/dispatch-handler.ts";
import type { TestEnvironment } from "./test-environment.ts";

/** A valid job on the offline `demo` harness; override what the test is about. */
export function demoJob(overrides: Partial<JobSpec> & { id: string }): JobSpec {
  return {
    schedule: "rate(5 minutes)",
    agent: { harness: "demo", prompt: "Summarise the inbox", options: { output: "done" } },
    ...overrides,
  };
}

/** Stores a job directly (as `jobs apply` would) and returns it. */
export async function storeJob(
  env: TestEnvironment,
  spec: JobSpec | Record<string, unknown>,
): Promise<StoredJob> {
  const previous = await env.store.jobs.getJob(String(spec.id));
  return env.store.jobs.putJob(spec as StoredJob["spec"], previous, env.clock.now());
}

export function dispatchDepsOf(env: TestEnvironment): DispatchHandlerDependencies & DispatchDependencies {
  return dispatchDependenciesOf(env);
}

export function sweepDepsOf(env: TestEnvironment): SweepDependencies {
  return sweepDependenciesOf(env);
}

/** A scheduled fire for `jobId` at `scheduledAt` (what the job's EventBridge rule sends). */
export function scheduledFire(jobId: string, scheduledAtMs: number): FireMessage {
  return { version: 1, jobId, scheduledAt: new Date(scheduledAtMs).toISOString(), source: "schedule" };
}

let manualCounter = 0;
/** A manual fire with a unique id. */
export function manualFire(jobId: string, scheduledAtMs: number): FireMessage {
  manualCounter += 1;
  return {
    version: 1,
    jobId,
    scheduledAt: new Date(scheduledAtMs).toISOString(),
    source: "manual",
    fireId: `m${process.pid}-${manualCounter}-${Math.random().toString(36).slice(2, 8)}`,
  };
}
