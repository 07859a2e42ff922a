import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import type { Logger } from "#core/logger.ts";

/** The Logger port of a Lambda process: it also carries the invocation's context into its lines. */
export interface LambdaLogger extends Logger {
  /**
   * Adds the invocation's Lambda context to every line written from now on, by this logger and the
   * children created after it (function name, memory, ARN, request id, cold start): Powertools'
   * `addContext`, as its `injectLambdaContext` middleware does.
   */
  addLambdaContext(context: Pick<Context, "functionName" | "awsRequestId"> & Partial<Context>): void;
}

/** The Logger port over Powertools Logger: JSON lines, with job/run ids as persistent keys. */
export function createPowertoolsLogger(options: { serviceName: string; logLevel?: string }): LambdaLogger {
  const root = new PowertoolsLogger({
    serviceName: options.serviceName,
    logLevel: (options.logLevel ?? process.env.AGENTCRON_LOG_LEVEL ?? "INFO") as "INFO",
  });
  return {
    ...wrap(root),
    addLambdaContext: (context) => root.addContext(context as Context),
  };
}

function wrap(logger: PowertoolsLogger): Logger {
  return {
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
    child: (fields) => wrap(logger.createChild({ persistentKeys: fields })),
  };
}
