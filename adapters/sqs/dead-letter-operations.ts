import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { fireFromUndeliveredEvent, viewOf } from "./dead-letter-view.ts";
import { REJECTION_ATTRIBUTES } from "./dead-letters.ts";

// What operators do with a dead-letter queue: count, peek, redrive, purge. Shared by the CLI's
// `dlq` commands and anything else that operates a deployment.

/** SQS's limit on the entries of one batch request (and on the messages of one receive). */
const SQS_BATCH = 10;

/**
 * How long a redrive or purge keeps the messages it took hidden from everyone else (`dlq list`,
 * a second redrive) while it works through them: ample for 10,000 messages in batches of 10.
 */
const SNAPSHOT_VISIBILITY_SECONDS = 300;

/** The most messages one redrive or purge takes (each holds its snapshot in memory). */
export const MAX_MESSAGES_PER_COMMAND = 10_000;

/** How many messages a queue holds: visible, in flight and delayed (SQS's approximate counts). */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/**
 * Receives up to `limit` distinct messages without consuming them: visibility timeout 0, so they
 * stay visible (it counts as a receive, of no consequence on a DLQ). Repeated receives return the
 * same messages again, so it stops when a receive brings nothing new.
 */
export async function peekMessages(sqs: SQSClient, url: string, limit: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (let attempt = 0; seen.size < limit && attempt < Math.ceil(limit / SQS_BATCH) + 5; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(SQS_BATCH, limit - seen.size),
        VisibilityTimeout: 0,
        WaitTimeSeconds: attempt === 0 ? 1 : 0,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const fresh = Messages.filter((message) => message.MessageId && !seen.has(message.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId ?? "", message);
  }
  return [...seen.values()].slice(0, limit);
}

/**
 * Takes up to `max` messages off the queue for a while (hidden, not deleted): what the queue holds
 * when the command starts. Everything a redrive or purge does is bounded by this snapshot, so a
 * message that comes back while it works — a redriven message rejected again — is never seen, let
 * alone moved a second time.
 *
 * Each receive long-polls for a second, which asks every SQS server (a short poll samples some and
 * can answer "empty" while messages remain); a receive that brings nothing new ends the snapshot.
 */
async function takeSnapshot(sqs: SQSClient, url: string, max: number): Promise<Message[]> {
  const taken = new Map<string, Message>();
  while (taken.size < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(SQS_BATCH, max - taken.size),
        VisibilityTimeout: SNAPSHOT_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    const fresh = Messages.filter((message) => message.MessageId && !taken.has(message.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) taken.set(message.MessageId ?? "", message);
  }
  return [...taken.values()];
}

/** Makes messages of a snapshot visible again at once (those a command leaves in the queue). */
async function release(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<void> {
  for (const chunk of chunks(messages)) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/**
 * Deletes messages of a snapshot.
 * @returns the ids SQS did not delete, with its reason
 */
async function remove(
  sqs: SQSClient,
  url: string,
  messages: readonly Message[],
): Promise<{ messageId: string; reason: string }[]> {
  const failed: { messageId: string; reason: string }[] = [];
  for (const chunk of chunks(messages)) {
    const result = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    for (const entry of result.Failed ?? []) {
      failed.push({
        messageId: chunk[Number(entry.Id)]?.MessageId ?? "?",
        reason: `could not delete it from the DLQ: ${entry.Code ?? ""} ${entry.Message ?? ""}`.trim(),
      });
    }
  }
  return failed;
}

export interface RedriveOptions {
  readonly dlqUrl: string;
  /** The queue the dead letters came from (they go back there). */
  readonly sourceUrl: string;
  /** At most this many messages (at most {@link MAX_MESSAGES_PER_COMMAND}). */
  readonly max: number;
  /** Move messages agentcron rejected too (without their rejection attributes). */
  readonly includeRejected: boolean;
}

export interface RedriveReport {
  /** Messages the command took from the DLQ: what it held when the command started, up to `max`. */
  readonly seen: number;
  readonly moved: number;
  /** Rejected messages left in the DLQ (they would be rejected again as they are). */
  readonly keptRejected: number;
  /** Messages that could not be moved (sent back, or deleted after sending), with why. */
  readonly failed: readonly { readonly messageId: string; readonly reason: string }[];
}

/**
 * Moves dead letters back to their source queue — each message at most once per call. The call
 * first takes what the DLQ holds (up to `max`) and works only on that: a message redriven and
 * rejected again lands in the DLQ as a new message this call never sees, so a poison message
 * cannot bounce between the queues (it used to, 1,000 times, with `--include-rejected`).
 *
 * A message agentcron rejected stays unless `includeRejected`; an EventBridge event that could not
 * be delivered goes back as the fire its rule would have sent. Sent first, then deleted from the
 * DLQ: a failure in between leaves a duplicate, which dispatch collapses (fire keys), never a loss.
 */
export async function moveDeadLettersBack(sqs: SQSClient, options: RedriveOptions): Promise<RedriveReport> {
  const snapshot = await takeSnapshot(sqs, options.dlqUrl, Math.min(options.max, MAX_MESSAGES_PER_COMMAND));
  const kept: Message[] = [];
  const toMove: Message[] = [];
  for (const message of snapshot) {
    if (viewOf(message).rejection && !options.includeRejected) kept.push(message);
    else toMove.push(message);
  }
  const failed: { messageId: string; reason: string }[] = [];
  const sent: Message[] = [];
  for (const chunk of chunks(toMove)) {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: options.sourceUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ...redrivenMessage(message) })),
      }),
    );
    const failedIds = new Set((result.Failed ?? []).map((entry) => entry.Id));
    for (const entry of result.Failed ?? []) {
      failed.push({
        messageId: chunk[Number(entry.Id)]?.MessageId ?? "?",
        reason: `could not send it back: ${entry.Code ?? ""} ${entry.Message ?? ""}`.trim(),
      });
    }
    sent.push(...chunk.filter((_, index) => !failedIds.has(String(index))));
  }
  const notDeleted = await remove(sqs, options.dlqUrl, sent);
  failed.push(...notDeleted);
  const unsent = toMove.filter((message) => !sent.includes(message));
  await release(sqs, options.dlqUrl, [...kept, ...unsent]);
  return {
    seen: snapshot.length,
    moved: sent.length - notDeleted.length,
    keptRejected: kept.length,
    failed,
  };
}

/**
 * Deletes what a DLQ holds when the call starts (up to `max`), and returns how many it deleted.
 * Unlike SQS's PurgeQueue (once a minute, and "up to 60 seconds" to take effect) the count is exact,
 * and a message that arrives while it works is kept.
 */
export async function deleteDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  max: number = MAX_MESSAGES_PER_COMMAND,
): Promise<{ deleted: number; failed: readonly { messageId: string; reason: string }[] }> {
  const snapshot = await takeSnapshot(sqs, dlqUrl, Math.min(max, MAX_MESSAGES_PER_COMMAND));
  const failed = await remove(sqs, dlqUrl, snapshot);
  return { deleted: snapshot.length - failed.length, failed };
}

/** The message to send back: the fire for an undelivered event, else the body as it was. */
function redrivenMessage(message: Message): {
  MessageBody: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
} {
  const fire = fireFromUndeliveredEvent(viewOf(message));
  if (fire) {
    return {
      MessageBody: JSON.stringify(fire),
      MessageAttributes: { jobId: { DataType: "String", StringValue: fire.jobId } },
    };
  }
  return { MessageBody: message.Body ?? "", MessageAttributes: redriveAttributes(message) };
}

/** The message's own attributes, without agentcron's rejection ones (a retry starts clean). */
function redriveAttributes(message: Message): Record<string, MessageAttributeValue> {
  const rejection = new Set<string>(Object.values(REJECTION_ATTRIBUTES));
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {})
      .filter(([name, value]) => !rejection.has(name) && value.StringValue !== undefined)
      .map(([name, value]) => [
        name,
        { DataType: value.DataType ?? "String", StringValue: value.StringValue },
      ]),
  );
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += SQS_BATCH) {
    result.push(items.slice(index, index + SQS_BATCH));
  }
  return result;
}
