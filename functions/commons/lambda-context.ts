import type { Context } from "aws-lambda";
import type { LambdaLogger } from "#adapters/logging/powertools-logger.ts";

/**
 * Wraps a Lambda handler so each invocation's context (request id, function name, cold start) is on
 * every log line it writes — including those of the run loggers the core derives from it.
 */
export function withLambdaContext<Event, Result>(
  log: Pick<LambdaLogger, "addLambdaContext">,
  handler: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  return (event, context) => {
    log.addLambdaContext(context);
    return handler(event, context);
  };
}
