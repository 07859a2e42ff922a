import { z } from "zod";
import { parseScheduleBackend, type ScheduleBackend } from "#core/jobs/schedule-backend.ts";

/**
 * The environment variables the functions read. The CDK stack sets them (infra/bindings.ts binds
 * each resource and its variable in one call); the local runtime sets the same ones.
 */
export const ENVIRONMENT = {
  tableName: "AGENTCRON_TABLE_NAME",
  firesQueueUrl: "AGENTCRON_FIRES_QUEUE_URL",
  firesDlqUrl: "AGENTCRON_FIRES_DLQ_URL",
  turnsQueueUrl: "AGENTCRON_TURNS_QUEUE_URL",
  turnsDlqUrl: "AGENTCRON_TURNS_DLQ_URL",
  eventBusName: "AGENTCRON_EVENT_BUS_NAME",
  lifecycleEvents: "AGENTCRON_LIFECYCLE_EVENTS",
  turnFunctionTimeoutSeconds: "AGENTCRON_TURN_FUNCTION_TIMEOUT_SECONDS",
  serviceName: "POWERTOOLS_SERVICE_NAME",
  alarmTopicArn: "AGENTCRON_ALARM_TOPIC_ARN",
  healthNotifications: "AGENTCRON_HEALTH_NOTIFICATIONS",
  perJobMetrics: "AGENTCRON_PER_JOB_METRICS",
  schedules: "AGENTCRON_SCHEDULES",
  stage: "AGENTCRON_STAGE",
} as const;

export type EnvironmentKey = keyof typeof ENVIRONMENT;

const DESCRIPTIONS: Record<EnvironmentKey, string> = {
  tableName: "the DynamoDB table's name",
  firesQueueUrl: "the fires queue's URL",
  firesDlqUrl: "the fires dead-letter queue's URL",
  turnsQueueUrl: "the turns queue's URL",
  turnsDlqUrl: "the turns dead-letter queue's URL",
  eventBusName: "the EventBridge bus for run lifecycle events",
  lifecycleEvents:
    "`log` to write lifecycle events to the log where there is no EventBridge (the local runtime)",
  turnFunctionTimeoutSeconds: "the turn function's timeout in seconds",
  serviceName: "the service name on logs and metrics",
  alarmTopicArn: "the SNS topic job-health changes are published to (the alarm topic)",
  healthNotifications:
    "`log` to write job-health changes to the log where there is no alarm topic (the local runtime)",
  perJobMetrics: '"true" or "false": publish per-job metric series beside the stage-wide ones',
  schedules:
    "which service fires the jobs: rules (EventBridge rules), scheduler (EventBridge Scheduler) or local",
  stage: "the stage, whose job schedules the sweeper inspects when a fire never arrives",
};

/** The functions of the stack: the run engine (infra/functions.ts) and job apply (infra/schedules.ts). */
export type FunctionName = "dispatch" | "turn" | "sweep" | "applyJobs";

/**
 * The variables each function reads — its whole configuration. Its Lambda entry requires exactly
 * these at cold start (`readFunctionEnvironment`), and the stack sets exactly these and grants, per
 * function, the access each one is read for (infra/bindings.ts `bindFunctionEnvironment`): so
 * configuration and permission come from this one list.
 */
export const FUNCTION_ENVIRONMENT = {
  /**
   * Hands runs to the turns queue; makes a fire that failed for a passing reason come back soon (its
   * own queue's visibility); parks poison in the fires DLQ.
   */
  dispatch: [
    "tableName",
    "turnsQueueUrl",
    "firesQueueUrl",
    "firesDlqUrl",
    "eventBusName",
    "turnFunctionTimeoutSeconds",
    "alarmTopicArn",
    "perJobMetrics",
    "schedules",
  ],
  /** Makes a turn that could not begin come back soon (its own queue); parks poison in the turns DLQ. */
  turn: [
    "tableName",
    "turnsQueueUrl",
    "turnsDlqUrl",
    "eventBusName",
    "turnFunctionTimeoutSeconds",
    "alarmTopicArn",
    "perJobMetrics",
    "schedules",
  ],
  /** Drains buffered fires; re-hands and retries runs to the turns queue, and reads its backlog. */
  sweep: [
    "tableName",
    "firesQueueUrl",
    "turnsQueueUrl",
    "eventBusName",
    "turnFunctionTimeoutSeconds",
    "alarmTopicArn",
    "perJobMetrics",
    "schedules",
    // Whose rules or schedules to read when a job's fire never arrives.
    "stage",
  ],
  /** Writes the job set; its schedule rules' targets come from the custom resource's properties. */
  applyJobs: ["tableName", "turnFunctionTimeoutSeconds", "schedules"],
} as const satisfies Record<FunctionName, readonly EnvironmentKey[]>;

/** Where run lifecycle events go: the deployment's EventBridge bus, or (explicitly) the log. */
export type LifecycleEventsTarget = { readonly bus: string } | { readonly log: true };

/** Where job-health changes go: the stage's alarm topic, or (explicitly) the log. */
export type HealthNotificationsTarget = { readonly topicArn: string } | { readonly log: true };

type Declared<F extends FunctionName> = (typeof FUNCTION_ENVIRONMENT)[F][number];

/** What `readFunctionEnvironment` returns for function `F`: its variables, parsed. */
export type FunctionEnvironment<F extends FunctionName> = {
  readonly [K in Declared<F> as K extends "eventBusName"
    ? "lifecycleEvents"
    : K extends "alarmTopicArn"
      ? "healthNotifications"
      : K]: K extends "eventBusName"
    ? LifecycleEventsTarget
    : K extends "alarmTopicArn"
      ? HealthNotificationsTarget
      : K extends "turnFunctionTimeoutSeconds"
        ? number
        : K extends "perJobMetrics"
          ? boolean
          : K extends "schedules"
            ? ScheduleBackend
            : string;
} & { readonly serviceName: string };

/** Raised at cold start when configuration is missing, naming every missing variable. */
export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

/**
 * Reads the variables function `fn` declares (FUNCTION_ENVIRONMENT), failing fast — at cold start,
 * not at the first message — with one error that names every missing or invalid variable and what
 * it is. A missing event bus is an error, never a silent switch to in-memory events; where there is
 * no EventBridge (the local runtime's turn processes) `AGENTCRON_LIFECYCLE_EVENTS=log` says so. The
 * alarm topic likewise: `AGENTCRON_HEALTH_NOTIFICATIONS=log` where there is none.
 * `AGENTCRON_PER_JOB_METRICS` may be unset (false).
 *
 * @throws ConfigurationError naming each missing or invalid variable.
 */
export function readFunctionEnvironment<F extends FunctionName>(
  fn: F,
  env: NodeJS.ProcessEnv = process.env,
): FunctionEnvironment<F> {
  const declared: readonly EnvironmentKey[] = FUNCTION_ENVIRONMENT[fn];
  const problems: string[] = [];
  const values: Record<string, unknown> = {
    serviceName: env[ENVIRONMENT.serviceName] || "agentcron",
  };
  for (const key of declared) {
    if (key === "eventBusName") {
      const target = readLifecycleEventsTarget(env);
      if (typeof target === "string") problems.push(target);
      else values.lifecycleEvents = target;
    } else if (key === "alarmTopicArn") {
      const target = readHealthNotificationsTarget(env);
      if (typeof target === "string") problems.push(target);
      else values.healthNotifications = target;
    } else if (key === "perJobMetrics") {
      const raw = env[ENVIRONMENT.perJobMetrics];
      if (raw === undefined || raw === "" || raw === "false" || raw === "true")
        values.perJobMetrics = raw === "true";
      else problems.push(`${ENVIRONMENT.perJobMetrics} must be "true" or "false", got "${raw}"`);
    } else if (key === "schedules") {
      // Unset means EventBridge rules, the default backend (stacks deployed before there were two).
      try {
        values.schedules = parseScheduleBackend(env[ENVIRONMENT.schedules], ENVIRONMENT.schedules);
      } catch (error) {
        problems.push((error as Error).message);
      }
    } else if (key === "turnFunctionTimeoutSeconds") {
      const timeout = parseTurnFunctionTimeout(env);
      if (typeof timeout === "string") problems.push(timeout);
      else values.turnFunctionTimeoutSeconds = timeout;
    } else if (env[ENVIRONMENT[key]]) {
      values[key] = env[ENVIRONMENT[key]];
    } else {
      problems.push(`${ENVIRONMENT[key]} (${DESCRIPTIONS[key]}) is not set`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `the ${fn} function's configuration is incomplete: ${problems.join("; ")}. ` +
        "The CDK stack sets these; when running by hand, set them or use `npm start`.",
    );
  }
  return values as FunctionEnvironment<F>;
}

function readLifecycleEventsTarget(env: NodeJS.ProcessEnv): LifecycleEventsTarget | string {
  const bus = env[ENVIRONMENT.eventBusName];
  const mode = env[ENVIRONMENT.lifecycleEvents];
  if (mode !== undefined && mode !== "" && mode !== "log") {
    return `${ENVIRONMENT.lifecycleEvents} must be "log" or unset, got "${mode}"`;
  }
  if (bus) return { bus };
  if (mode === "log") return { log: true };
  return `${ENVIRONMENT.eventBusName} (${DESCRIPTIONS.eventBusName}) is not set (where there is no EventBridge, set ${ENVIRONMENT.lifecycleEvents}=log instead)`;
}

function readHealthNotificationsTarget(env: NodeJS.ProcessEnv): HealthNotificationsTarget | string {
  const topicArn = env[ENVIRONMENT.alarmTopicArn];
  const mode = env[ENVIRONMENT.healthNotifications];
  if (mode !== undefined && mode !== "" && mode !== "log") {
    return `${ENVIRONMENT.healthNotifications} must be "log" or unset, got "${mode}"`;
  }
  if (topicArn) return { topicArn };
  if (mode === "log") return { log: true };
  return `${ENVIRONMENT.alarmTopicArn} (${DESCRIPTIONS.alarmTopicArn}) is not set (where there is no alarm topic, set ${ENVIRONMENT.healthNotifications}=log instead)`;
}

function parseTurnFunctionTimeout(env: NodeJS.ProcessEnv): number | string {
  const raw = env[ENVIRONMENT.turnFunctionTimeoutSeconds];
  const parsed = z.coerce
    .number()
    .int()
    .min(1)
    .max(900)
    .safeParse(raw ?? 900);
  return parsed.success
    ? parsed.data
    : `${ENVIRONMENT.turnFunctionTimeoutSeconds} must be a whole number of seconds from 1 to 900, got "${raw}"`;
}

/**
 * The turn function's timeout from the environment (default 900, Lambda's maximum).
 * @throws ConfigurationError when it is not a whole number of seconds from 1 to 900.
 */
export function readTurnFunctionTimeout(env: NodeJS.ProcessEnv = process.env): number {
  const timeout = parseTurnFunctionTimeout(env);
  if (typeof timeout === "string") throw new ConfigurationError(timeout);
  return timeout;
}
