import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { REJECTION_ATTRIBUTES } from "#adapters/sqs/dead-letters.ts";
import type { FireMessage } from "#core/fires/fire-message.ts";
import { describeTime } from "#core/time-format.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { truncate } from "../output.ts";
import { parseQueueRoles, parseWholeNumber, type QueueRoleArgument } from "../parse.ts";
import type { Deployment } from "../target.ts";

/** What `dlq list` shows of one dead letter. */
export interface DeadLetterView {
  readonly messageId: string;
  readonly sentAt?: number;
  readonly receiveCount: number;
  /** Set when agentcron rejected it (poison): it would be rejected again as it is. */
  readonly rejection?: { reason?: string; path?: string; rejectedBy?: string; rejectedAt?: string };
  /** Set when EventBridge could not deliver a scheduled fire (RULE_ARN / ERROR_CODE / ERROR_MESSAGE). */
  readonly undelivered?: { ruleArn?: string; errorCode?: string; errorMessage?: string };
  readonly attributes: Record<string, string>;
  readonly body: string;
}

/** Reads a message's string attributes into a plain map. */
function attributesOf(message: Message): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
      value.StringValue !== undefined ? [[name, value.StringValue]] : [],
    ),
  );
}

export function viewOf(message: Message): DeadLetterView {
  const attributes = attributesOf(message);
  const rejected = attributes[REJECTION_ATTRIBUTES.reason] !== undefined;
  const undelivered = attributes.ERROR_CODE !== undefined || attributes.RULE_ARN !== undefined;
  return {
    messageId: message.MessageId ?? "",
    sentAt: message.Attributes?.SentTimestamp ? Number(message.Attributes.SentTimestamp) : undefined,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    rejection: rejected
      ? {
          reason: attributes[REJECTION_ATTRIBUTES.reason],
          path: attributes[REJECTION_ATTRIBUTES.path],
          rejectedBy: attributes[REJECTION_ATTRIBUTES.rejectedBy],
          rejectedAt: attributes[REJECTION_ATTRIBUTES.rejectedAt],
        }
      : undefined,
    undelivered: undelivered
      ? {
          ruleArn: attributes.RULE_ARN,
          errorCode: attributes.ERROR_CODE,
          errorMessage: attributes.ERROR_MESSAGE,
        }
      : undefined,
    attributes,
    body: message.Body ?? "",
  };
}

async function depthOf(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/**
 * Receives up to `limit` distinct messages. With `visibilityTimeout` 0 nothing is consumed (a
 * peek; it does count as a receive, which on a DLQ has no consequence); repeated receives return
 * the same messages again, so it stops when a receive brings nothing new.
 */
async function receiveDistinct(
  sqs: SQSClient,
  url: string,
  limit: number,
  visibilityTimeout: number,
): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (let attempt = 0; seen.size < limit && attempt < Math.ceil(limit / 10) + 5; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, limit - seen.size),
        VisibilityTimeout: visibilityTimeout,
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

/** One DLQ's dead letters, peeked at (nothing is consumed). */
export interface DeadLetterPeek {
  readonly queueUrl: string;
  /** Visible and in-flight messages (SQS's approximate counts). */
  readonly depth: number;
  readonly messages: DeadLetterView[];
}

/**
 * Peeks at up to `limit` dead letters of one DLQ — why each is there, and its body — without
 * consuming them (a receive with visibility timeout 0).
 * @throws NotFoundError when the target does not name that DLQ.
 */
export async function peekDeadLetters(
  deployment: Deployment,
  role: QueueRoleArgument,
  limit: number,
): Promise<DeadLetterPeek> {
  const url = deployment.queueUrl(role, true);
  const depth = await depthOf(deployment.sqs, url);
  const messages = depth > 0 ? (await receiveDistinct(deployment.sqs, url, limit, 0)).map(viewOf) : [];
  return { queueUrl: url, depth, messages };
}

/** `dlq list [fires|turns] [--limit N]`: peeks at dead letters — why each is there, and its body. */
export async function dlqListCommand(
  ctx: CommandContext,
  roleArgument: string | undefined,
  options: { limit?: string },
): Promise<ExitCode> {
  const roles = parseQueueRoles(roleArgument);
  const limit =
    options.limit !== undefined ? parseWholeNumber(options.limit, "--limit", { min: 1, max: 1000 }) : 20;
  const deployment = await ctx.connect();
  const { out } = ctx;
  const result: Record<string, DeadLetterPeek> = {};
  for (const role of roles) {
    const peek = await peekDeadLetters(deployment, role, limit);
    result[role] = peek;
    const { depth, messages } = peek;
    out.line(
      out.style.bold(
        `${role} DLQ: ${depth} message${depth === 1 ? "" : "s"}${messages.length < depth ? ` (showing ${messages.length})` : ""}`,
      ),
    );
    for (const message of messages) out.lines(renderDeadLetter(message, out.style.red));
    if (messages.length > 0) out.line("");
  }
  out.data({ target: deployment.label, queues: result });
  return EXIT.ok;
}

function renderDeadLetter(message: DeadLetterView, red: (text: string) => string): string[] {
  const lines = [
    `  ${message.messageId}  sent ${message.sentAt !== undefined ? describeTime(message.sentAt) : "?"}  received ${message.receiveCount}×`,
  ];
  if (message.rejection) {
    lines.push(
      `    ${red("rejected")} by ${message.rejection.rejectedBy ?? "?"} at ${message.rejection.rejectedAt ?? "?"}: ${message.rejection.reason ?? ""}`,
    );
    if (message.rejection.path) lines.push(`    path: ${message.rejection.path}`);
  } else if (message.undelivered) {
    lines.push(
      `    ${red("undelivered")} by EventBridge (${message.undelivered.errorCode ?? "?"}${message.undelivered.errorMessage ? `: ${message.undelivered.errorMessage}` : ""}) from ${message.undelivered.ruleArn ?? "?"}`,
    );
  } else {
    lines.push("    exhausted its receives (the consumer failed on it every time): see the function's logs");
  }
  lines.push(`    body: ${truncate(message.body, 300)}`);
  return lines;
}

/**
 * An undelivered EventBridge scheduled event (the rules' own DLQ) back as the fire the rule would
 * have sent, so a redrive runs the missed fire; undefined when the message is not one.
 */
export function fireFromUndeliveredEvent(message: DeadLetterView): FireMessage | undefined {
  if (!message.undelivered) return undefined;
  const ruleName = message.undelivered.ruleArn?.split("/").pop();
  const jobId = ruleName ? /^ac-[a-z0-9]+-(.+)$/.exec(ruleName)?.[1] : undefined;
  try {
    const event = JSON.parse(message.body) as { time?: unknown; "detail-type"?: unknown };
    if (!jobId || typeof event.time !== "string" || event["detail-type"] !== "Scheduled Event")
      return undefined;
    return { version: 1, jobId, scheduledAt: event.time, source: "schedule" };
  } catch {
    return undefined;
  }
}

/** What a redrive of one DLQ did. */
export interface RedriveResult {
  readonly moved: number;
  /** Rejected messages left in the DLQ (they would be rejected again as they are). */
  readonly keptRejected: number;
  /** Messages in the DLQ afterwards. */
  readonly remaining: number;
}

/**
 * Moves up to `max` dead letters of one DLQ back to its source queue (receive, send, delete).
 * Messages agentcron rejected stay unless `includeRejected`; an undelivered EventBridge event goes
 * back as the fire its rule would have sent.
 * @throws NotFoundError when the target does not name the queue or its DLQ.
 */
export async function redriveDeadLetters(
  deployment: Deployment,
  role: QueueRoleArgument,
  options: { max: number; includeRejected: boolean },
): Promise<RedriveResult> {
  const { max } = options;
  const dlqUrl = deployment.queueUrl(role, true);
  const sourceUrl = deployment.queueUrl(role);
  let moved = 0;
  const kept = new Map<string, Message>();
  while (moved < max) {
    // Received messages stay invisible for a while, so each pass brings new ones.
    const batch = await receiveDistinct(deployment.sqs, dlqUrl, Math.min(10, max - moved), 60);
    if (batch.length === 0) break;
    for (const message of batch) {
      const view = viewOf(message);
      if (view.rejection && !options.includeRejected) {
        kept.set(message.MessageId ?? "", message);
        continue;
      }
      const fire = fireFromUndeliveredEvent(view);
      await deployment.sqs.send(
        new SendMessageCommand({
          QueueUrl: sourceUrl,
          MessageBody: fire ? JSON.stringify(fire) : view.body,
          MessageAttributes: fire
            ? { jobId: { DataType: "String", StringValue: fire.jobId } }
            : redriveAttributes(message),
        }),
      );
      await deployment.sqs.send(
        new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      moved++;
      if (moved >= max) break;
    }
  }
  // The kept ones become visible again at once, for `dlq list`.
  const keptMessages = [...kept.values()];
  for (let index = 0; index < keptMessages.length; index += 10) {
    const chunk = keptMessages.slice(index, index + 10);
    await deployment.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlqUrl,
        Entries: chunk.map((message, entry) => ({
          Id: String(entry),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  const remaining = await depthOf(deployment.sqs, dlqUrl);
  return { moved, keptRejected: kept.size, remaining };
}

/**
 * `dlq redrive [fires|turns] [--max N] [--include-rejected]`: moves dead letters back to their
 * source queue (receive, send, delete) and reports the counts. Messages agentcron rejected carry
 * the reason and would be rejected again, so they stay unless `--include-rejected`.
 */
export async function dlqRedriveCommand(
  ctx: CommandContext,
  roleArgument: string | undefined,
  options: { max?: string; includeRejected?: boolean },
): Promise<ExitCode> {
  const roles: QueueRoleArgument[] = parseQueueRoles(roleArgument);
  const max =
    options.max !== undefined ? parseWholeNumber(options.max, "--max", { min: 1, max: 100_000 }) : 1000;
  const deployment = await ctx.connect();
  const { out } = ctx;
  const result: Record<string, RedriveResult> = {};
  for (const role of roles) {
    const redriven = await redriveDeadLetters(deployment, role, {
      max,
      includeRejected: options.includeRejected ?? false,
    });
    result[role] = redriven;
    const { moved, keptRejected, remaining } = redriven;
    out.line(
      `${role}: moved ${moved} message${moved === 1 ? "" : "s"} back to the ${role} queue${keptRejected > 0 ? `; kept ${keptRejected} rejected (they would be rejected again: fix the cause, or pass --include-rejected)` : ""}; ${remaining} left in the DLQ.`,
    );
  }
  out.data({ target: deployment.label, redriven: result });
  return EXIT.ok;
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
