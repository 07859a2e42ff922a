// Lambda entry: the every-minute EventBridge rule → sweep.
import { dependenciesFromEnvironment } from "./commons/dependencies.ts";
import { createSweepHandler } from "./handlers/sweep-handler.ts";

const deps = dependenciesFromEnvironment();

export const handler = createSweepHandler({
  store: deps.store.sweep,
  jobs: deps.store.jobs,
  fires: deps.fires,
  turns: deps.turns,
  clock: deps.clock,
  metrics: deps.metrics,
  events: deps.events,
  log: deps.log,
  validation: deps.validation,
});
