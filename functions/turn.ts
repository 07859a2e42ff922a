// Lambda entry: the turns queue → one run through setup, runtime-plugins, agent-turn, finalize.
// The harness registry is complete at module load, before any message is served (invariant 7).
import { dependenciesFromEnvironment } from "./commons/dependencies.ts";
import { createTurnHandler } from "./handlers/turn-handler.ts";

const deps = dependenciesFromEnvironment();

export const handler = createTurnHandler({
  store: deps.store.runs,
  registry: deps.registry,
  secrets: deps.secrets,
  fires: deps.fires,
  deadLetters: deps.turnsDeadLetters,
  clock: deps.clock,
  metrics: deps.metrics,
  events: deps.events,
  log: deps.log,
  validation: deps.validation,
});
