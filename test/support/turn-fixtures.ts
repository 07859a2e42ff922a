import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { fireKeyOf } from "#core/fires/fire-message.ts";
import type { JobSpec } from "#core/jobs/job-schema.ts";
import type { TurnMessage } from "#core/runs/handoff.ts";
import { runTurn, type TurnDependencies, type TurnOutcome } from "#core/turn/run-turn.ts";
import { turnDependenciesOf } from "#functions/commons/wiring.ts";
import type { TurnHandlerDependencies } from "#functions/handlers/turn-handler.ts";
import { dispatchDepsOf, manualFire, storeJob } from "./fixtures.ts";
import type { TestEnvironment } from "./test-environment.ts";

/** Turn dependencies over the test environment, with short heartbeats and grace for fast tests. */
export function turnDepsOf(
  env: TestEnvironment,
  overrides: Partial<TurnDependencies> = {},
): TurnHandlerDependencies {
  return {
    ...turnDependenciesOf(env),
    timing: { heartbeatIntervalMs: () => 200, graceMs: () => 500 },
    ...overrides,
  };
}

/** Stores the job, fires it by hand, and returns the turn message dispatch handed off. */
export async function fireAndHandOff(
  env: TestEnvironment,
  spec: JobSpec | Record<string, unknown>,
): Promise<TurnMessage> {
  const job = await storeJob(env, spec);
  const fire = manualFire(job.jobId, env.clock.now());
  const outcome = await dispatchFire(fire, dispatchDepsOf(env));
  if (outcome.kind !== "run")
    throw new Error(`expected dispatch to start a run, got ${JSON.stringify(outcome)}`);
  return { version: 1, jobId: job.jobId, runId: outcome.runId, fireKey: fireKeyOf(fire) };
}

/** Fires a job and runs its turn to the end, in this process. */
export async function fireAndRunTurn(
  env: TestEnvironment,
  spec: JobSpec | Record<string, unknown>,
  overrides: Partial<TurnDependencies> = {},
): Promise<{ message: TurnMessage; outcome: TurnOutcome }> {
  const message = await fireAndHandOff(env, spec);
  const outcome = await runTurn(message, turnDepsOf(env, overrides));
  return { message, outcome };
}
