import { z } from "zod";

/**
 * The environment variables the functions read. The CDK stack sets them (infra/functions.ts binds
 * each resource and its variable in one call); the local runtime sets the same ones.
 */
export const ENVIRONMENT = {
  tableName: "AGENTCRON_TABLE_NAME",
  firesQueueUrl: "AGENTCRON_FIRES_QUEUE_URL",
  firesDlqUrl: "AGENTCRON_FIRES_DLQ_URL",
  turnsQueueUrl: "AGENTCRON_TURNS_QUEUE_URL",
  turnsDlqUrl: "AGENTCRON_TURNS_DLQ_URL",
  eventBusName: "AGENTCRON_EVENT_BUS_NAME",
  turnFunctionTimeoutSeconds: "AGENTCRON_TURN_FUNCTION_TIMEOUT_SECONDS",
  serviceName: "POWERTOOLS_SERVICE_NAME",
} as const;

export type EnvironmentKey = keyof typeof ENVIRONMENT;

const DESCRIPTIONS: Record<EnvironmentKey, string> = {
  tableName: "the DynamoDB table's name",
  firesQueueUrl: "the fires queue's URL",
  firesDlqUrl: "the fires dead-letter queue's URL",
  turnsQueueUrl: "the turns queue's URL",
  turnsDlqUrl: "the turns dead-letter queue's URL",
  eventBusName: "the EventBridge bus for run lifecycle events",
  turnFunctionTimeoutSeconds: "the turn function's timeout in seconds",
  serviceName: "the service name on logs and metrics",
};

/** Raised at cold start when configuration is missing, naming every missing variable. */
export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

/**
 * Reads the named variables, failing fast (at cold start, not at the first message) with a
 * message that names each missing one and what it is.
 */
export function readEnvironment<K extends EnvironmentKey>(
  required: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Record<K, string> {
  const missing = required.filter((key) => !env[ENVIRONMENT[key]]);
  if (missing.length > 0) {
    throw new ConfigurationError(
      `missing environment variable${missing.length > 1 ? "s" : ""}: ${missing
        .map((key) => `${ENVIRONMENT[key]} (${DESCRIPTIONS[key]})`)
        .join(", ")}. The CDK stack sets these; when running by hand, set them or use \`npm start\`.`,
    );
  }
  return Object.fromEntries(required.map((key) => [key, env[ENVIRONMENT[key]] as string])) as Record<
    K,
    string
  >;
}

export function readTurnFunctionTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ENVIRONMENT.turnFunctionTimeoutSeconds];
  const parsed = z.coerce
    .number()
    .int()
    .min(1)
    .max(900)
    .safeParse(raw ?? 900);
  if (!parsed.success) {
    throw new ConfigurationError(
      `${ENVIRONMENT.turnFunctionTimeoutSeconds} must be a whole number of seconds from 1 to 900, got "${raw}"`,
    );
  }
  return parsed.data;
}
