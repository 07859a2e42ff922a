import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoStore, type DynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import { createPowertoolsLogger } from "#adapters/logging/powertools-logger.ts";
import { createEmfMetrics } from "#adapters/metrics/emf-metrics.ts";
import { createLoggedHealthNotifications } from "#adapters/notifications/health-notifications.ts";
import { type AgentRegistry, builtInRegistry } from "#adapters/registry.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import { createSqsDeadLetters } from "#adapters/sqs/dead-letters.ts";
import { createSqsBacklog, createSqsQueue, createSqsRedelivery } from "#adapters/sqs/sqs-queue.ts";
import type { SecretResolver } from "#core/agents/secrets.ts";
import { type Clock, systemClock } from "#core/clock.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import type { ScheduleBackend } from "#core/jobs/schedule-backend.ts";
import type { Logger } from "#core/logger.ts";
import type {
  DeadLetters,
  HealthNotifications,
  LifecycleEvents,
  MessageQueue,
  MessageRedelivery,
  Metrics,
  QueueBacklog,
  ScheduleInspector,
} from "#core/ports.ts";
import type { HealthTracking } from "#core/stats/track-job-health.ts";
import { createSqsClient } from "./lambda-adapters.ts";

/**
 * Every adapter, for a process that runs several handlers: the local runtime, the tests and the
 * benchmarks. (A Lambda builds only what its function reads: lambda-dependencies.ts.)
 */
export interface Dependencies {
  readonly store: DynamoStore;
  readonly fires: MessageQueue;
  readonly turns: MessageQueue;
  /** What waits on the turns queue (the sweeper's diagnostics and re-handoffs). */
  readonly turnsBacklog: QueueBacklog;
  /** Dispatch and the turn make a message that failed for a passing reason come back soon. */
  readonly firesRedelivery: MessageRedelivery;
  readonly turnsRedelivery: MessageRedelivery;
  readonly firesDeadLetters: DeadLetters;
  readonly turnsDeadLetters: DeadLetters;
  readonly metrics: Metrics;
  readonly events: LifecycleEvents;
  /** Job health: the table's records and the notifications of its changes. */
  readonly health: HealthTracking;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: AgentRegistry;
  readonly secrets: SecretResolver;
  readonly validation: JobValidationContext;
  /** The schedule backend, asked about a job whose fire never arrived. @default none (states "unknown") */
  readonly scheduleInspector?: ScheduleInspector;
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly sqs: SQSClient;
  };
}

export interface DependencyConfig {
  readonly tableName: string;
  readonly firesQueueUrl: string;
  readonly firesDlqUrl: string;
  readonly turnsQueueUrl: string;
  readonly turnsDlqUrl: string;
  readonly turnFunctionTimeoutSeconds: number;
  readonly serviceName: string;
  /**
   * Publish each job's own metric series beside the stage-wide ones (costs grow with the jobs).
   * @default false
   */
  readonly perJobMetrics?: boolean;
  /** Which service fires the jobs (what a job's schedule may ask for). @default "rules" */
  readonly schedules?: ScheduleBackend;
}

/**
 * Wires the adapters to their ports. Lifecycle events are passed explicitly — these processes have no
 * EventBridge, and an in-memory fallback must never be chosen silently. They have no alarm topic
 * either: job-health changes are written to the log unless `notifications` says otherwise. Clients
 * are injectable so tests and the local runtime pass theirs (pointed at the emulators).
 */
export function createDependencies(
  config: DependencyConfig,
  parts: Pick<Dependencies, "events"> &
    Partial<
      Pick<
        Dependencies,
        "clients" | "metrics" | "log" | "clock" | "registry" | "secrets" | "scheduleInspector"
      >
    > & {
      readonly notifications?: HealthNotifications;
    },
): Dependencies {
  const clients = parts.clients ?? { dynamodb: new DynamoDBClient({}), sqs: createSqsClient() };
  const registry = parts.registry ?? builtInRegistry;
  const log = parts.log ?? createPowertoolsLogger({ serviceName: config.serviceName });
  const store = createDynamoStore({ client: clients.dynamodb, tableName: config.tableName });
  return {
    store,
    fires: createSqsQueue(clients.sqs, config.firesQueueUrl),
    turns: createSqsQueue(clients.sqs, config.turnsQueueUrl),
    turnsBacklog: createSqsBacklog(clients.sqs, config.turnsQueueUrl),
    firesRedelivery: createSqsRedelivery(clients.sqs, config.firesQueueUrl),
    turnsRedelivery: createSqsRedelivery(clients.sqs, config.turnsQueueUrl),
    firesDeadLetters: createSqsDeadLetters(clients.sqs, config.firesDlqUrl),
    turnsDeadLetters: createSqsDeadLetters(clients.sqs, config.turnsDlqUrl),
    metrics:
      parts.metrics ??
      createEmfMetrics({ serviceName: config.serviceName, perJobMetrics: config.perJobMetrics ?? false }),
    events: parts.events,
    health: {
      store: store.health,
      notifications: parts.notifications ?? createLoggedHealthNotifications(log, config.serviceName),
    },
    log,
    clock: parts.clock ?? systemClock,
    registry,
    secrets: parts.secrets ?? createSecretResolver(),
    validation: {
      catalog: registry.catalog,
      functionTimeoutSeconds: config.turnFunctionTimeoutSeconds,
      ...(config.schedules ? { schedules: config.schedules } : {}),
    },
    ...(parts.scheduleInspector ? { scheduleInspector: parts.scheduleInspector } : {}),
    clients,
  };
}
