import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { type FauxqsServer, startFauxqs } from "fauxqs";
import { type DynamoDbLocal, startDynamoDbLocal } from "#local/emulators/dynamodb-local.ts";
import { findFreeLoopbackPort } from "#local/emulators/free-port.ts";

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "chaos", secretAccessKey: "chaos" };

/**
 * DynamoDB Local (its own Java process) and fauxqs IN this process: fauxqs reads `Date.now`, so once
 * the simulation replaces it, the queues' visibility timeouts, receive counts and DLQ redrive run on
 * simulated time.
 */
export interface Emulators {
  readonly dynamodb: DynamoDbLocal;
  readonly fauxqs: FauxqsServer;
  readonly sqsEndpoint: string;
  /** A client for DynamoDB Local. `maxAttempts: 1`: see {@link clientOptions}. */
  dynamoClient(): DynamoDBClient;
  sqsClient(): SQSClient;
  stop(): Promise<void>;
}

/** Starts both emulators on free loopback ports. Call before time is simulated (startup waits on real time). */
export async function startEmulators(): Promise<Emulators> {
  const [dynamodb, fauxqs] = await Promise.all([
    // A JVM starting on a busy 2-core machine can take well over the default 30 s.
    startDynamoDbLocal({ startTimeoutMs: 120_000 }),
    findFreeLoopbackPort().then((port) => startFauxqs({ port, logger: false })),
  ]);
  const sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(client: T) => {
    clients.push(client);
    return client;
  };
  return {
    dynamodb,
    fauxqs,
    sqsEndpoint,
    dynamoClient: () => track(new DynamoDBClient({ endpoint: dynamodb.endpoint, ...clientOptions })),
    sqsClient: () =>
      track(new SQSClient({ endpoint: sqsEndpoint, useQueueUrlAsEndpoint: false, ...clientOptions })),
    async stop() {
      for (const client of clients) client.destroy();
      await Promise.allSettled([fauxqs.stop(), dynamodb.stop()]);
    },
  };
}

/**
 * One attempt per request: the faults the simulation injects stand for what escaped the SDK's own
 * retries, and an SDK retry would wait on a real-time timer, which a replay could not reproduce.
 */
const clientOptions = { region: REGION, credentials: CREDENTIALS, maxAttempts: 1 } as const;
