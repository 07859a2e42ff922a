import { Logger as PowertoolsLogger } from "@aws-lambda-powertools/logger";
import type { Logger } from "#core/logger.ts";

/** The Logger port over Powertools Logger: JSON lines, with job/run ids as persistent keys. */
export function createPowertoolsLogger(options: { serviceName: string; logLevel?: string }): Logger {
  const root = new PowertoolsLogger({
    serviceName: options.serviceName,
    logLevel: (options.logLevel ?? process.env.AGENTCRON_LOG_LEVEL ?? "INFO") as "INFO",
  });
  return wrap(root);
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
