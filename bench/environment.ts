import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import type { QueueUrls } from "#adapters/sqs/create-queues.ts";
import { silentLogger } from "#core/logger.ts";
import { RecordingEvents } from "#core/recording/recording-events.ts";
import { RecordingMetrics } from "#core/recording/recording-metrics.ts";
import { createDependencies, type Dependencies } from "#functions/commons/dependencies.ts";
import { startDynamoDbLocal } from "#local/emulators/dynamodb-local.ts";
import { startSqsEmulator } from "#local/emulators/sqs-emulator.ts";
import { ensureQueues, ensureTable } from "#local/resources.ts";
import { RequestCounter } from "./request-counter.ts";

export interface BenchEnvironment {
  readonly deps: Dependencies & { metrics: RecordingMetrics; events: RecordingEvents };
  readonly counter: RequestCounter;
  readonly queues: QueueUrls;
  readonly endpoints: { dynamodb: string; sqs: string };
  stop(): Promise<void>;
}

/** The embedded emulators on loopback, a fresh table and queues, and dependencies counting requests. */
export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const [dynamodb, sqs] = await Promise.all([startDynamoDbLocal(), startSqsEmulator()]);
  const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
  const clients = {
    dynamodb: new DynamoDBClient({ endpoint: dynamodb.endpoint, region: "us-east-1", credentials }),
    sqs: new SQSClient({ endpoint: sqs.endpoint, region: "us-east-1", credentials }),
  };
  const counter = new RequestCounter().attach(clients.dynamodb);
  const suffix = randomUUID().slice(0, 8);
  const tableName = `agentcron-bench-${suffix}`;
  await ensureTable(clients.dynamodb, tableName);
  const queues = await ensureQueues(clients.sqs, `agentcron-bench-${suffix}`, {
    dispatchSeconds: 30,
    turnSeconds: 120,
  });
  const deps = createDependencies(
    { tableName, ...queues, turnFunctionTimeoutSeconds: 900, serviceName: "agentcron-bench" },
    {
      clients,
      log: silentLogger,
      metrics: new RecordingMetrics(),
      events: new RecordingEvents(),
      secrets: createSecretResolver({ env: {} }),
    },
  ) as BenchEnvironment["deps"];
  return {
    deps,
    counter,
    queues,
    endpoints: { dynamodb: dynamodb.endpoint, sqs: sqs.endpoint },
    async stop() {
      for (const client of Object.values(clients)) client.destroy();
      await Promise.allSettled([sqs.stop(), dynamodb.stop()]);
    },
  };
}
