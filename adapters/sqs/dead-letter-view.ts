import type { Message } from "@aws-sdk/client-sqs";
import type { FireMessage } from "#core/fires/fire-message.ts";
import { REJECTION_ATTRIBUTES } from "./dead-letters.ts";

/** A dead letter as a person reads it: why it is in the DLQ, and what it holds. */
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

/**
 * Why a message is in its DLQ: rejected by agentcron (the `agentcron.reject*` attributes),
 * undeliverable by EventBridge (`RULE_ARN`, `ERROR_CODE`), or — neither — moved by SQS after its
 * consumer failed on it `maxReceiveCount` times.
 */
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
