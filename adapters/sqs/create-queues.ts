import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DLQ_RETENTION_SECONDS, QUEUE_DEFINITIONS, type QueueRole, queueName } from "./queue-definitions.ts";

export interface QueueUrls {
  readonly firesQueueUrl: string;
  readonly firesDlqUrl: string;
  readonly turnsQueueUrl: string;
  readonly turnsDlqUrl: string;
}

/**
 * Creates the fires and turns queues with their DLQs and redrive policies (idempotent) — for the
 * local runtime and the tests; in AWS the CDK stack creates them from the same definitions.
 */
export async function createQueues(
  client: SQSClient,
  prefix: string,
  visibilityTimeoutSeconds: Readonly<Record<QueueRole, number>>,
): Promise<QueueUrls> {
  const urls: Record<string, string> = {};
  for (const role of Object.keys(QUEUE_DEFINITIONS) as QueueRole[]) {
    const dlq = await client.send(
      new CreateQueueCommand({
        QueueName: queueName(prefix, role, true),
        Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS) },
      }),
    );
    const dlqUrl = dlq.QueueUrl as string;
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
    );
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: queueName(prefix, role),
        Attributes: {
          VisibilityTimeout: String(visibilityTimeoutSeconds[role]),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: attributes.Attributes?.QueueArn,
            maxReceiveCount: QUEUE_DEFINITIONS[role].maxReceiveCount,
          }),
        },
      }),
    );
    urls[`${role}QueueUrl`] = queue.QueueUrl as string;
    urls[`${role}DlqUrl`] = dlqUrl;
  }
  return urls as unknown as QueueUrls;
}
