import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Logger } from "#core/logger.ts";
import { sqsRecordOf } from "./sqs-record.ts";

export interface QueuePollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Messages handed to one invocation (the event source mapping's batch size). */
  readonly batchSize: number;
  /** Invocations in flight at once (the event source mapping's maximum concurrency). */
  readonly maxConcurrency: number;
  readonly invoke: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  readonly log: Logger;
}

/**
 * The local runtime's stand-in for a Lambda SQS event source mapping: long-polls the queue, hands
 * batches to the function, deletes what succeeded and leaves the reported failures (and anything
 * from an invocation that failed or timed out) to reappear after the visibility timeout — and,
 * past maxReceiveCount, to land in the DLQ by the queue's redrive policy.
 */
export class QueuePoller {
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: QueuePollerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.poll();
  }

  /** Stops receiving and waits for the invocations in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      if (this.inFlight.size >= this.options.maxConcurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      let messages: Message[] = [];
      try {
        const result = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: this.options.batchSize,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ["All"],
            MessageSystemAttributeNames: ["All"],
          }),
        );
        messages = result.Messages ?? [];
      } catch (error) {
        if (!this.running) return;
        this.options.log.warn("receiving from the queue failed; retrying", {
          queueUrl: this.options.queueUrl,
          error: String(error),
        });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const invocation = this.handle(messages).finally(() => this.inFlight.delete(invocation));
      this.inFlight.add(invocation);
    }
  }

  private async handle(messages: Message[]): Promise<void> {
    const records = messages.map((message) =>
      sqsRecordOf(message, { queueArn: this.options.queueArn, senderId: "local", nowMs: Date.now() }),
    );
    let failed = new Set(records.map((record) => record.messageId));
    try {
      const response = await this.options.invoke({ Records: records });
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      this.options.log.error("invocation failed; its messages will be retried", { error: String(error) });
    }
    const done = messages.filter((message) => !failed.has(message.MessageId ?? ""));
    if (done.length === 0) return;
    await this.options.sqs
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: done.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      )
      .catch((error: unknown) =>
        this.options.log.warn("could not delete processed messages", { error: String(error) }),
      );
  }
}
