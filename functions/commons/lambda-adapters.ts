import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoStore, type DynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import { createEventBridgeEvents } from "#adapters/events/eventbridge-events.ts";
import { createLoggingEvents } from "#adapters/events/logging-events.ts";
import { createPowertoolsLogger, type LambdaLogger } from "#adapters/logging/powertools-logger.ts";
import { createEmfMetrics } from "#adapters/metrics/emf-metrics.ts";
import {
  createLoggedHealthNotifications,
  createSnsHealthNotifications,
} from "#adapters/notifications/health-notifications.ts";
import { type Clock, systemClock } from "#core/clock.ts";
import type { AgentCatalog } from "#core/jobs/catalog.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import type { ScheduleBackend } from "#core/jobs/schedule-backend.ts";
import type { Logger } from "#core/logger.ts";
import type { HealthNotifications, LifecycleEvents, Metrics } from "#core/ports.ts";
import type { HealthTracking } from "#core/stats/track-job-health.ts";
import type { HealthNotificationsTarget, LifecycleEventsTarget } from "./environment.ts";

// The adapters a Lambda builds from its environment at cold start — once per process, and only for
// the services that function uses (a function that sends nothing to SQS creates no SQS client).

/** The SQS client of a function that sends messages. */
export function createSqsClient(): SQSClient {
  // Send to the configured endpoint (AWS_ENDPOINT_URL[_SQS] when set), not to the host inside the
  // queue URL: emulators mint queue URLs whose hosts do not resolve (sqs.<region>.localhost).
  return new SQSClient({ useQueueUrlAsEndpoint: false });
}

/** A function's dependencies, with the logger its entry gives each invocation's context to. */
export type WithLambdaLogger<Deps> = Omit<Deps, "log"> & { readonly log: LambdaLogger };

/**
 * The ports every run-engine function has: the table, metrics, lifecycle events, job health, log,
 * clock, catalog.
 */
export interface LambdaBasics {
  readonly store: DynamoStore;
  readonly metrics: Metrics;
  readonly events: LifecycleEvents;
  readonly health: HealthTracking;
  readonly log: LambdaLogger;
  readonly clock: Clock;
  readonly validation: JobValidationContext;
}

/**
 * Builds the ports every function has from its parsed environment. `catalog` is what jobs are
 * validated against: the descriptors' catalog, or the turn's registry (the same harnesses).
 */
export function createLambdaBasics(
  config: {
    readonly tableName: string;
    readonly serviceName: string;
    readonly turnFunctionTimeoutSeconds: number;
    readonly lifecycleEvents: LifecycleEventsTarget;
    readonly healthNotifications: HealthNotificationsTarget;
    readonly perJobMetrics: boolean;
    readonly schedules: ScheduleBackend;
  },
  catalog: AgentCatalog,
): LambdaBasics {
  const log = createPowertoolsLogger({ serviceName: config.serviceName });
  const store = createDynamoStore({ client: new DynamoDBClient({}), tableName: config.tableName });
  return {
    store,
    metrics: createEmfMetrics({ serviceName: config.serviceName, perJobMetrics: config.perJobMetrics }),
    events: lifecycleEventsFor(config.lifecycleEvents, log),
    health: {
      store: store.health,
      notifications: healthNotificationsFor(config.healthNotifications, config.serviceName, log),
    },
    log,
    clock: systemClock,
    validation: {
      catalog,
      functionTimeoutSeconds: config.turnFunctionTimeoutSeconds,
      schedules: config.schedules,
    },
  };
}

function lifecycleEventsFor(target: LifecycleEventsTarget, log: Logger): LifecycleEvents {
  return "bus" in target
    ? createEventBridgeEvents(new EventBridgeClient({}), target.bus)
    : createLoggingEvents(log);
}

function healthNotificationsFor(
  target: HealthNotificationsTarget,
  serviceName: string,
  log: Logger,
): HealthNotifications {
  return "topicArn" in target
    ? createSnsHealthNotifications(new SNSClient({}), { topicArn: target.topicArn, serviceName })
    : createLoggedHealthNotifications(log, serviceName);
}
