import type { SweepDependencies } from "#core/sweep/sweep.ts";
import type { DispatchHandlerDependencies } from "../handlers/dispatch-handler.ts";
import type { TurnHandlerDependencies } from "../handlers/turn-handler.ts";
import type { Dependencies } from "./dependencies.ts";

/** What the wiring reads: the adapters, however they were built (Lambda, local runtime, tests). */
export type Wired = Pick<
  Dependencies,
  | "store"
  | "fires"
  | "turns"
  | "turnsBacklog"
  | "firesRedelivery"
  | "turnsRedelivery"
  | "firesDeadLetters"
  | "turnsDeadLetters"
  | "metrics"
  | "events"
  | "log"
  | "clock"
  | "registry"
  | "secrets"
  | "validation"
  | "health"
> &
  Partial<Pick<Dependencies, "scheduleInspector">>;

// Which port each handler gets — in one place, so the Lambda entries, the local runtime, the tests
// and the benchmarks wire the handlers identically. Each takes only the adapters its handler uses:
// a Lambda builds just those (functions/commons/lambda-dependencies.ts).

type Common = "store" | "events" | "health" | "clock" | "metrics" | "log" | "validation";

export function dispatchDependenciesOf(
  deps: Pick<Wired, Common | "turns" | "firesDeadLetters" | "firesRedelivery">,
): DispatchHandlerDependencies {
  return {
    jobs: deps.store.jobs,
    store: deps.store.dispatch,
    runEnding: deps.store.sweep,
    turns: deps.turns,
    events: deps.events,
    health: deps.health,
    deadLetters: deps.firesDeadLetters,
    redelivery: deps.firesRedelivery,
    clock: deps.clock,
    metrics: deps.metrics,
    log: deps.log,
    validation: deps.validation,
  };
}

export function turnDependenciesOf(
  deps: Pick<Wired, Common | "registry" | "secrets" | "turnsDeadLetters" | "turnsRedelivery">,
): TurnHandlerDependencies {
  return {
    store: deps.store.runs,
    registry: deps.registry,
    secrets: deps.secrets,
    deadLetters: deps.turnsDeadLetters,
    redelivery: deps.turnsRedelivery,
    clock: deps.clock,
    metrics: deps.metrics,
    events: deps.events,
    health: deps.health,
    log: deps.log,
    validation: deps.validation,
  };
}

export function sweepDependenciesOf(
  deps: Pick<Wired, Common | "fires" | "turns" | "turnsBacklog" | "scheduleInspector">,
): SweepDependencies {
  return {
    missedFires: {
      fireWatch: deps.store.fireWatch,
      fireRecords: deps.store.dispatch,
      scheduleInspector: deps.scheduleInspector,
    },
    store: deps.store.sweep,
    jobs: deps.store.jobs,
    fires: deps.fires,
    turns: deps.turns,
    turnsBacklog: deps.turnsBacklog,
    clock: deps.clock,
    metrics: deps.metrics,
    events: deps.events,
    health: deps.health,
    log: deps.log,
    validation: deps.validation,
  };
}
