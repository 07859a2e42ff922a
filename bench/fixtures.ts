import type { DispatchDependencies } from "#core/fires/dispatch-fire.ts";
import type { MessageQueue, StoredJob } from "#core/ports.ts";
import type { TurnDependencies } from "#core/turn/run-turn.ts";
import { dispatchDependenciesOf, turnDependenciesOf } from "#functions/commons/wiring.ts";
import type { BenchEnvironment } from "./environment.ts";

export function benchJob(id: string, overrides: Record<string, unknown> = {}): StoredJob["spec"] {
  return {
    id,
    schedule: "rate(30 minutes)",
    agent: { harness: "demo", prompt: "Triage the inbox", options: { output: "done" } },
    ...overrides,
  } as StoredJob["spec"];
}

export function dispatchDependencies(env: BenchEnvironment, turns?: MessageQueue): DispatchDependencies {
  return { ...dispatchDependenciesOf(env.deps), turns: turns ?? env.deps.turns };
}

export function turnDependencies(env: BenchEnvironment): TurnDependencies {
  return turnDependenciesOf(env.deps);
}
