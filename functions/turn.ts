// Lambda entry: the turns queue → one run through setup, runtime-plugins, agent-turn, finalize.
// The harness registry is complete at module load, before any message is served (invariant 7).
import { RuntimeShutdownError } from "#core/turn/stop-reasons.ts";
import { withLambdaContext } from "./commons/lambda-context.ts";
import { turnDependenciesFromEnvironment } from "./commons/turn-dependencies.ts";
import { createTurnHandler } from "./handlers/turn-handler.ts";

// SIGTERM means this process is going away (Lambda shutting a sandbox down, or the local runtime's
// Ctrl-C): the turn in flight stops and records itself as cancelled rather than vanishing.
const shutdown = new AbortController();
process.once("SIGTERM", () => shutdown.abort(new RuntimeShutdownError()));

const deps = turnDependenciesFromEnvironment();

export const handler = withLambdaContext(
  deps.log,
  createTurnHandler({ ...deps, shutdownSignal: shutdown.signal }),
);
