import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { MessageQueue, MessageRedelivery, QueueBacklog } from "#core/ports.ts";
import { raiseTransientErrors } from "../aws/transient-errors.ts";

/** The MessageQueue port over one SQS queue; attributes become String message attributes. */
export function createSqsQueue(client: SQSClient, queueUrl: string): MessageQueue {
  raiseTransientErrors(client, "sqs");
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

/** The MessageRedelivery port: ChangeMessageVisibility on the queue a consumer reads. */
export function createSqsRedelivery(client: SQSClient, queueUrl: string): MessageRedelivery {
  raiseTransientErrors(client, "sqs");
  return {
    async retryAfter(receiptHandle, delaySeconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(delaySeconds))),
        }),
      );
    },
  };
}

/** The QueueBacklog port: SQS's approximate counts of waiting and in-flight messages. */
export function createSqsBacklog(client: SQSClient, queueUrl: string): QueueBacklog {
  raiseTransientErrors(client, "sqs");
  return {
    async backlog() {
      const result = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return {
        waiting: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
  };
}
