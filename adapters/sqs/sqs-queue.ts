import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { MessageQueue } from "#core/ports.ts";

/** The MessageQueue port over one SQS queue; attributes become String message attributes. */
export function createSqsQueue(client: SQSClient, queueUrl: string): MessageQueue {
  return {
    async send(body, attributes = {}) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [
              name,
              { DataType: "String", StringValue: value },
            ]),
          ),
        }),
      );
    },
  };
}
