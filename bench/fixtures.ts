import type { DispatchDependencies } from "#core/fires/dispatch-fire.ts";
import type { MessageQueue, StoredJob } from "#core/ports.ts";
import type { TurnDependencies } from "#core/turn/run-turn.ts";
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
  const { deps } = env;
  return {
    jobs: deps.store.jobs,
    store: deps.store.dispatch,
    runEnding: deps.store.sweep,
    turns: turns ?? deps.turns,
    fires: deps.fires,
    events: deps.events,
    clock: deps.clock,
    metrics: deps.metrics,
    log: deps.log,
    validation: deps.validation,
  };
}

export function turnDependencies(env: BenchEnvironment): TurnDependencies {
  const { deps } = env;
  return {
    store: deps.store.runs,
    registry: deps.registry,
    secrets: deps.secrets,
    fires: deps.fires,
    clock: deps.clock,
    metrics: deps.metrics,
    events: deps.events,
    log: deps.log,
    validation: deps.validation,
  };
}
