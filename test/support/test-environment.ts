import { randomUUID } from "node:crypto";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { inject } from "vitest";
import { createDynamoStore, type DynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import { createTableInput, enableTtlInput } from "#adapters/dynamodb/table-definition.ts";
import { builtInRegistry } from "#adapters/registry.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import { createQueues, type QueueUrls } from "#adapters/sqs/create-queues.ts";
import { createSqsDeadLetters } from "#adapters/sqs/dead-letters.ts";
import { createSqsBacklog, createSqsQueue, createSqsRedelivery } from "#adapters/sqs/sqs-queue.ts";
import { type CancelTimer, ManualClock, systemClock } from "#core/clock.ts";
import { silentLogger } from "#core/logger.ts";
import { RecordingEvents } from "#core/recording/recording-events.ts";
import { RecordingHealthNotifications } from "#core/recording/recording-health-notifications.ts";
import { RecordingMetrics } from "#core/recording/recording-metrics.ts";
import type { Dependencies } from "#functions/commons/dependencies.ts";
import { InstantClock } from "./instant-clock.ts";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** One test file's world: its own table and queues on the shared emulators, a manual clock. */
export interface TestEnvironment extends Omit<Dependencies, "metrics" | "events" | "clock"> {
  readonly tableName: string;
  readonly queues: QueueUrls;
  readonly clock: ManualClock;
  readonly metrics: RecordingMetrics;
  readonly events: RecordingEvents;
  /** Job-health notifications, kept in memory. */
  readonly notifications: RecordingHealthNotifications;
  /** Receives (and deletes) up to `max` messages from a queue. */
  drain(queueUrl: string, max?: number): Promise<Message[]>;
  destroy(): Promise<void>;
}

/** Clients pointed at the emulators the global setup started (or at AWS_ENDPOINT_URL). */
export function testClients() {
  const region = process.env.AWS_REGION ?? "us-east-1";
  return {
    dynamodb: new DynamoDBClient({ endpoint: inject("dynamodbEndpoint"), region, credentials }),
    sqs: new SQSClient({ endpoint: inject("sqsEndpoint"), region, credentials }),
  };
}

/**
 * Real time that tests can still jump ahead: for turns, whose timers (heartbeats, phase timeouts)
 * run on the real clock while lease times are compared with this one.
 */
export class OffsetClock extends ManualClock {
  private offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
  override setTimer(ms: number, callback: () => void): CancelTimer {
    return systemClock.setTimer(ms, callback);
  }
  override advance(ms: number): void {
    this.offset += ms;
  }
  override set(epochMs: number): void {
    this.offset = epochMs - Date.now();
  }
}

export async function createTestEnvironment(
  options: { visibilityTimeoutSeconds?: number; clock?: "manual" | "real" | "instant" } = {},
): Promise<TestEnvironment> {
  const clients = testClients();
  const suffix = randomUUID().slice(0, 8);
  const tableName = `agentcron-test-${suffix}`;
  await clients.dynamodb.send(new CreateTableCommand(createTableInput(tableName)));
  await clients.dynamodb.send(new UpdateTimeToLiveCommand(enableTtlInput(tableName))).catch(() => {
    // DynamoDB Local accepts TTL settings but never deletes; LocalStack may answer differently.
  });
  const visibility = options.visibilityTimeoutSeconds ?? 30;
  const queues = await createQueues(clients.sqs, `agentcron-test-${suffix}`, {
    fires: visibility,
    turns: visibility,
  });
  const store: DynamoStore = createDynamoStore({ client: clients.dynamodb, tableName });
  const start = Date.UTC(2026, 10, 22, 4, 0, 0);
  const clock =
    options.clock === "real"
      ? new OffsetClock()
      : options.clock === "instant"
        ? new InstantClock(start)
        : new ManualClock(start);
  const metrics = new RecordingMetrics();
  const events = new RecordingEvents();
  const notifications = new RecordingHealthNotifications();
  return {
    tableName,
    queues,
    clients,
    store,
    fires: createSqsQueue(clients.sqs, queues.firesQueueUrl),
    turns: createSqsQueue(clients.sqs, queues.turnsQueueUrl),
    turnsBacklog: createSqsBacklog(clients.sqs, queues.turnsQueueUrl),
    firesRedelivery: createSqsRedelivery(clients.sqs, queues.firesQueueUrl),
    turnsRedelivery: createSqsRedelivery(clients.sqs, queues.turnsQueueUrl),
    firesDeadLetters: createSqsDeadLetters(clients.sqs, queues.firesDlqUrl),
    turnsDeadLetters: createSqsDeadLetters(clients.sqs, queues.turnsDlqUrl),
    metrics,
    events,
    notifications,
    health: { store: store.health, notifications },
    log: silentLogger,
    clock,
    registry: builtInRegistry,
    secrets: createSecretResolver({ env: {} }),
    validation: { catalog: builtInRegistry.catalog, functionTimeoutSeconds: 900 },
    async drain(queueUrl, max = 100) {
      const received: Message[] = [];
      for (;;) {
        const result = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ["All"],
            MessageSystemAttributeNames: ["All"],
          }),
        );
        const batch = result.Messages ?? [];
        if (batch.length === 0 || received.length >= max) break;
        received.push(...batch);
        await clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
      return received;
    },
    async destroy() {
      await clients.dynamodb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => {});
      for (const url of Object.values(queues)) {
        await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => {});
      }
      clients.dynamodb.destroy();
      clients.sqs.destroy();
    },
  };
}

/** Wraps message bodies in the SQS event a Lambda would receive. */
export function sqsEventOf(
  bodies: readonly string[],
  queueArn = "arn:aws:sqs:us-east-1:000000000000:test",
): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `message-${index}-${randomUUID()}`,
      receiptHandle: `receipt-${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "test",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: "us-east-1",
    })),
  };
}
