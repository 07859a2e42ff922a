// Lambda entry: the turns queue → one run through setup, runtime-plugins, agent-turn, finalize.
// The harness registry is complete at module load, before any message is served (invariant 7).
import { RuntimeShutdownError } from "#core/turn/stop-reasons.ts";
import { dependenciesFromEnvironment } from "./commons/dependencies.ts";
import { createTurnHandler } from "./handlers/turn-handler.ts";

const deps = dependenciesFromEnvironment();

// SIGTERM means this process is going away (Lambda shutting a sandbox down, or the local runtime's
// Ctrl-C): the turn in flight stops and records itself as cancelled rather than vanishing.
const shutdown = new AbortController();
process.once("SIGTERM", () => shutdown.abort(new RuntimeShutdownError()));

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
  shutdownSignal: shutdown.signal,
});
