import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoStore, type DynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import { createEventBridgeEvents } from "#adapters/events/eventbridge-events.ts";
import { createPowertoolsLogger } from "#adapters/logging/powertools-logger.ts";
import { createEmfMetrics } from "#adapters/metrics/emf-metrics.ts";
import { type AgentRegistry, builtInRegistry } from "#adapters/registry.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import { createSqsDeadLetters } from "#adapters/sqs/dead-letters.ts";
import { createSqsBacklog, createSqsQueue, createSqsRedelivery } from "#adapters/sqs/sqs-queue.ts";
import type { SecretResolver } from "#core/agents/secrets.ts";
import { type Clock, systemClock } from "#core/clock.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import type { Logger } from "#core/logger.ts";
import type {
  DeadLetters,
  LifecycleEvents,
  MessageQueue,
  MessageRedelivery,
  Metrics,
  QueueBacklog,
} from "#core/ports.ts";
import { RecordingEvents } from "#core/recording/recording-events.ts";
import { readEnvironment, readTurnFunctionTimeout } from "./environment.ts";

/** Everything a handler needs, built once per process (Lambda cold start, local runtime). */
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
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: AgentRegistry;
  readonly secrets: SecretResolver;
  readonly validation: JobValidationContext;
  readonly clients: {
    readonly dynamodb: DynamoDBClient;
    readonly sqs: SQSClient;
    readonly eventbridge: EventBridgeClient;
  };
}

export interface DependencyConfig {
  readonly tableName: string;
  readonly firesQueueUrl: string;
  readonly firesDlqUrl: string;
  readonly turnsQueueUrl: string;
  readonly turnsDlqUrl: string;
  /** Without a bus, lifecycle events are kept in memory (local runtime, tests). */
  readonly eventBusName?: string;
  readonly turnFunctionTimeoutSeconds: number;
  readonly serviceName: string;
}

/** Wires the adapters to their ports. Clients are injectable so tests and the local runtime pass theirs. */
export function createDependencies(
  config: DependencyConfig,
  overrides: Partial<
    Pick<Dependencies, "clients" | "metrics" | "events" | "log" | "clock" | "registry" | "secrets">
  > = {},
): Dependencies {
  const clients = overrides.clients ?? {
    dynamodb: new DynamoDBClient({}),
    // Send to the configured endpoint (AWS_ENDPOINT_URL[_SQS] when set), not to the host inside the
    // queue URL: emulators mint queue URLs whose hosts do not resolve (sqs.<region>.localhost).
    sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
    eventbridge: new EventBridgeClient({}),
  };
  const registry = overrides.registry ?? builtInRegistry;
  return {
    store: createDynamoStore({ client: clients.dynamodb, tableName: config.tableName }),
    fires: createSqsQueue(clients.sqs, config.firesQueueUrl),
    turns: createSqsQueue(clients.sqs, config.turnsQueueUrl),
    turnsBacklog: createSqsBacklog(clients.sqs, config.turnsQueueUrl),
    firesRedelivery: createSqsRedelivery(clients.sqs, config.firesQueueUrl),
    turnsRedelivery: createSqsRedelivery(clients.sqs, config.turnsQueueUrl),
    firesDeadLetters: createSqsDeadLetters(clients.sqs, config.firesDlqUrl),
    turnsDeadLetters: createSqsDeadLetters(clients.sqs, config.turnsDlqUrl),
    metrics: overrides.metrics ?? createEmfMetrics({ serviceName: config.serviceName }),
    events:
      overrides.events ??
      (config.eventBusName
        ? createEventBridgeEvents(clients.eventbridge, config.eventBusName)
        : new RecordingEvents()),
    log: overrides.log ?? createPowertoolsLogger({ serviceName: config.serviceName }),
    clock: overrides.clock ?? systemClock,
    registry,
    secrets: overrides.secrets ?? createSecretResolver(),
    validation: { catalog: registry.catalog, functionTimeoutSeconds: config.turnFunctionTimeoutSeconds },
    clients,
  };
}

/**
 * Dependencies from the environment the CDK stack (or the local runtime) sets. Fails at cold start,
 * naming every missing variable. AWS_ENDPOINT_URL, when set, points every client elsewhere
 * (LocalStack) — the SDK reads it itself.
 */
export function dependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): Dependencies {
  const config = readEnvironment(
    ["tableName", "firesQueueUrl", "firesDlqUrl", "turnsQueueUrl", "turnsDlqUrl"],
    env,
  );
  return createDependencies({
    ...config,
    eventBusName: env.AGENTCRON_EVENT_BUS_NAME || undefined,
    turnFunctionTimeoutSeconds: readTurnFunctionTimeout(env),
    serviceName: env.POWERTOOLS_SERVICE_NAME || "agentcron",
  });
}
