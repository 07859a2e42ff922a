// Lambda entry: the fires queue → dispatch. Dependencies are built once per cold start.
import { dependenciesFromEnvironment } from "./commons/dependencies.ts";
import { createDispatchHandler } from "./handlers/dispatch-handler.ts";

const deps = dependenciesFromEnvironment();

export const handler = createDispatchHandler({
  jobs: deps.store.jobs,
  store: deps.store.dispatch,
  turns: deps.turns,
  fires: deps.fires,
  runEnding: deps.store.sweep,
  events: deps.events,
  deadLetters: deps.firesDeadLetters,
  clock: deps.clock,
  metrics: deps.metrics,
  log: deps.log,
  validation: deps.validation,
});
