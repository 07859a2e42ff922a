import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { FauxqsServer } from "fauxqs";
import { sqsRecordOf } from "#local/sqs-record.ts";
import { runAs, type ServiceOrigin } from "./origin.ts";
import type { SimClock } from "./sim-clock.ts";
import type { SimFunction } from "./sim-function.ts";

export interface EventSourceMappingOptions {
  /** The queue's name in the emulator (to see when a message becomes visible). */
  readonly queueName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Messages handed to one invocation (infra/functions.ts). */
  readonly batchSize: number;
  /** Invocations in flight at once (infra/functions.ts `maxConcurrency`). */
  readonly maxConcurrency: number;
  readonly fn: SimFunction<SQSEvent, SQSBatchResponse | undefined>;
  /** The SQS client of the simulated Lambda service: its requests go through the network, unfaulted. */
  readonly sqs: SQSClient;
  readonly fauxqs: FauxqsServer;
  readonly clock: SimClock;
}

/**
 * An SQS event source mapping as deployed: polls the queue when a message may be visible (after a
 * send, when a visibility timeout or a ChangeMessageVisibility delay ends) and a concurrency slot is
 * free; hands each batch to one invocation as an SQSEvent; then deletes the messages that succeeded
 * and leaves the reported failures — and everything of an invocation that threw or was killed — to
 * come back after their visibility timeout, and past maxReceiveCount to go to the DLQ by the queue's
 * redrive policy (the emulator's).
 */
export class EventSourceMapping {
  private inFlight = 0;
  private polling = false;
  private readonly service: ServiceOrigin;

  constructor(private readonly options: EventSourceMappingOptions) {
    this.service = { kind: "service", name: `${options.fn.name}-event-source` };
  }

  /** Invocations in flight plus a poll under way: whether this mapping is still busy. */
  get busy(): boolean {
    return this.inFlight > 0 || this.polling;
  }

  /** Starts a poll if a slot is free and a message is visible now; returns whether it did. */
  pollIfDue(): boolean {
    if (this.polling || this.inFlight >= this.options.maxConcurrency) return false;
    if (!this.hasVisibleMessage(this.options.clock.now())) return false;
    this.polling = true;
    void runAs(this.service, () => this.poll());
    return true;
  }

  /** The next time (after now) a message of the queue becomes visible, if any will. */
  nextVisibleAt(): number | undefined {
    const now = this.options.clock.now();
    const queue = this.inspect();
    let next: number | undefined;
    const consider = (at: number | undefined) => {
      if (at !== undefined && at > now && (next === undefined || at < next)) next = at;
    };
    for (const entry of queue.inflight) consider(entry.visibilityDeadline);
    for (const message of queue.delayed) consider(message.delayUntil);
    return next;
  }

  /** Messages on the queue: waiting, delayed or in flight. */
  depth(): number {
    const queue = this.inspect();
    return queue.ready.length + queue.delayed.length + queue.inflight.length;
  }

  private hasVisibleMessage(now: number): boolean {
    const queue = this.inspect();
    return (
      queue.ready.length > 0 ||
      queue.inflight.some((entry) => entry.visibilityDeadline <= now) ||
      queue.delayed.some((message) => (message.delayUntil ?? 0) <= now)
    );
  }

  private inspect() {
    const inspected = this.options.fauxqs.inspectQueue(this.options.queueName);
    if (!inspected) throw new Error(`queue ${this.options.queueName} does not exist in the emulator`);
    return inspected.messages;
  }

  private async poll(): Promise<void> {
    const { sqs, queueUrl, batchSize, maxConcurrency } = this.options;
    try {
      // Receive while a message is visible and a slot is free (an empty receive would change nothing).
      while (this.inFlight < maxConcurrency && this.hasVisibleMessage(this.options.clock.now())) {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ["All"],
            MessageSystemAttributeNames: ["All"],
          }),
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) break;
        this.inFlight++;
        void this.deliver(messages);
      }
    } finally {
      this.polling = false;
    }
  }

  private async deliver(messages: Message[]): Promise<void> {
    const { fn, sqs, queueUrl } = this.options;
    const records = messages.map((message) =>
      sqsRecordOf(message, {
        queueArn: this.options.queueArn,
        senderId: "simulation",
        nowMs: this.options.clock.now(),
      }),
    );
    const result = await fn.invoke({ Records: records }, labelOf(records));
    this.inFlight--;
    const failed =
      result.kind === "returned"
        ? new Set((result.value?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier))
        : new Set(records.map((record) => record.messageId));
    const done = messages.filter((message) => !failed.has(message.MessageId ?? ""));
    if (done.length === 0) return;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  }
}

/** A short description of a batch for reports: the run id of a turn, the fire keys of a dispatch. */
function labelOf(records: readonly SQSRecord[]): string {
  const parts = records.map((record) => {
    try {
      const body = JSON.parse(record.body) as {
        runId?: string;
        jobId?: string;
        scheduledAt?: string;
        source?: string;
      };
      return body.runId
        ? `run ${body.runId}`
        : `${body.jobId}@${body.scheduledAt}${body.source === "schedule" ? "" : ` ${body.source}`}`;
    } catch {
      return "(not JSON)";
    }
  });
  return `${parts.slice(0, 3).join(", ")}${parts.length > 3 ? ` +${parts.length - 3}` : ""} (receive ${records.map((r) => r.attributes.ApproximateReceiveCount).join(",")})`;
}
