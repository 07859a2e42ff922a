import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  DLQ_RETENTION_SECONDS,
  QUEUE_DEFINITIONS,
  type QueueRole,
  queueName,
  visibilityTimeoutFor,
} from "#adapters/sqs/queue-definitions.ts";

export interface WorkQueueProps {
  /** `agentcron-<stage>`: the queue is `<prefix>-fires`, its DLQ `<prefix>-fires-dlq`. */
  readonly namePrefix: string;
  readonly role: QueueRole;
  /** Timeout of the function that consumes the queue; the visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
}

/**
 * A work queue and its dead-letter queue, from QUEUE_DEFINITIONS (the same definitions the local
 * runtime and tests use):
 * - visibility timeout per AWS's guidance for Lambda sources (6 × the consumer's timeout), so the
 *   poller never hands a message to a second invocation while the first is still on it;
 * - redrive after `maxReceiveCount` receives; the DLQ keeps messages 14 days (SQS's maximum);
 * - SQS-managed encryption (SSE-SQS): EventBridge can deliver to it without a key policy, which a
 *   customer-managed key would need; and every policy denies requests that are not over TLS.
 */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const definition = QUEUE_DEFINITIONS[props.role];
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      queueName: queueName(props.namePrefix, props.role, true),
      retentionPeriod: Duration.seconds(DLQ_RETENTION_SECONDS),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Queues hold work in flight, not records: the table keeps what happened to every fire.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.queue = new sqs.Queue(this, "Queue", {
      queueName: queueName(props.namePrefix, props.role),
      visibilityTimeout: Duration.seconds(visibilityTimeoutFor(props.consumerTimeout.toSeconds())),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
