import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetters } from "#core/ports.ts";

/** Message attributes a rejected message carries into its DLQ, so `dlq list` can say why. */
export const REJECTION_ATTRIBUTES = {
  reason: "agentcron.rejectReason",
  path: "agentcron.rejectPath",
  rejectedBy: "agentcron.rejectedBy",
  rejectedAt: "agentcron.rejectedAt",
} as const;

/** The DeadLetters port as an SQS dead-letter queue; the rejection travels as message attributes. */
export function createSqsDeadLetters(client: SQSClient, dlqUrl: string): DeadLetters {
  return {
    async reject(body, rejection) {
      const path = rejection.issues.map((issue) => issue.path).join(", ");
      const attributes: Record<string, string> = {
        [REJECTION_ATTRIBUTES.reason]: rejection.reason.slice(0, 1000),
        [REJECTION_ATTRIBUTES.rejectedBy]: rejection.rejectedBy,
        [REJECTION_ATTRIBUTES.rejectedAt]: new Date(rejection.atMs).toISOString(),
      };
      if (path) attributes[REJECTION_ATTRIBUTES.path] = path.slice(0, 1000);
      await client.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          // An empty body is not a valid SQS message; keep something that shows what arrived.
          MessageBody: body.length > 0 ? body : "(empty message)",
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
