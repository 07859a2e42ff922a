import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUE_DEFINITIONS } from "#adapters/sqs/queue-definitions.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { waitUntil } from "#test/support/wait.ts";

// The local runtime and the fault simulation (npm run chaos) rely on the SQS emulator behaving like
// SQS where the engine depends on it: a redrive policy's maxReceiveCount, and ChangeMessageVisibility.

let env: TestEnvironment;
let sqs: SQSClient;
beforeAll(async () => {
  env = await createTestEnvironment({ visibilityTimeoutSeconds: 30 });
  sqs = env.clients.sqs;
});
afterAll(async () => env.destroy());

async function receive(queueUrl: string) {
  const result = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
    }),
  );
  return result.Messages ?? [];
}

describe("the SQS emulator", () => {
  it("moves a message to the DLQ once it was received maxReceiveCount times, counting the receives", async () => {
    // Prepare
    const queueUrl = env.queues.turnsQueueUrl;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "poison" }));
    const counts: string[] = [];
    // Act: receive it, and give it back at once, as often as the redrive policy allows.
    for (let attempt = 0; attempt < QUEUE_DEFINITIONS.turns.maxReceiveCount; attempt++) {
      const [message] = await receive(queueUrl);
      counts.push(message?.Attributes?.ApproximateReceiveCount ?? "none");
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    const afterLast = await receive(queueUrl);
    // Assess
    expect(counts).toEqual(["1", "2", "3"]);
    expect(afterLast).toEqual([]);
    expect((await env.drain(env.queues.turnsDlqUrl)).map((message) => message.Body)).toEqual(["poison"]);
  });

  it("hides a message for the time ChangeMessageVisibility asks, then gives it back", async () => {
    // Prepare
    const queueUrl = env.queues.firesQueueUrl;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "retry me soon" }));
    const [first] = await receive(queueUrl);
    // Act: 5 s instead of the queue's 30 s visibility timeout (5, not 1: the check that it is hidden
    // must come within it, and the emulator shares its process with the test runner).
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 5,
      }),
    );
    const hidden = await receive(queueUrl);
    let again: Awaited<ReturnType<typeof receive>> = [];
    await waitUntil(
      async () => {
        again = await receive(queueUrl);
        return again.length > 0;
      },
      20_000, // well before the queue's own 30 s
      "the message to be visible again",
    );
    // Assess
    expect(hidden).toEqual([]);
    expect(again.map((message) => [message.Body, message.Attributes?.ApproximateReceiveCount])).toEqual([
      ["retry me soon", "2"],
    ]);
  });
});
