import {
  deleteDeadLetters,
  moveDeadLettersBack,
  peekMessages,
  queueDepth,
  type RedriveReport,
} from "#adapters/sqs/dead-letter-operations.ts";
import { type DeadLetterView, viewOf } from "#adapters/sqs/dead-letter-view.ts";
import type { QueueRoleArgument } from "../parse.ts";
import type { Deployment } from "../target.ts";

export type { DeadLetterView };

// The operations on one deployment's DLQ, shared by `agentcron dlq` and the console's dead-letters page.

/** One DLQ's dead letters, peeked at (nothing is consumed). */
export interface DeadLetterPeek {
  readonly queueUrl: string;
  /** Visible, in-flight and delayed messages (SQS's approximate counts). */
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
  const depth = await queueDepth(deployment.sqs, url);
  const messages = depth > 0 ? (await peekMessages(deployment.sqs, url, limit)).map(viewOf) : [];
  return { queueUrl: url, depth, messages };
}

/** What a redrive of one DLQ did. */
export interface RedriveResult extends RedriveReport {
  /** Messages in the DLQ afterwards (rejected ones kept, and any that came back meanwhile). */
  readonly remaining: number;
}

/**
 * Moves up to `max` dead letters of one DLQ back to its source queue — each at most once: the
 * redrive works on what the DLQ held when it started (adapters/sqs/dead-letter-operations.ts).
 * Messages agentcron rejected stay unless `includeRejected`; an undelivered EventBridge event goes
 * back as the fire its rule would have sent.
 * @throws NotFoundError when the target does not name the queue or its DLQ.
 */
export async function redriveDeadLetters(
  deployment: Deployment,
  role: QueueRoleArgument,
  options: { max: number; includeRejected: boolean },
): Promise<RedriveResult> {
  const dlqUrl = deployment.queueUrl(role, true);
  const report = await moveDeadLettersBack(deployment.sqs, {
    dlqUrl,
    sourceUrl: deployment.queueUrl(role),
    max: options.max,
    includeRejected: options.includeRejected,
  });
  return { ...report, remaining: await queueDepth(deployment.sqs, dlqUrl) };
}

/**
 * Deletes the dead letters one DLQ holds (what it held when the call started), for good.
 * @throws NotFoundError when the target does not name that DLQ.
 */
export async function purgeDeadLetters(
  deployment: Deployment,
  role: QueueRoleArgument,
): Promise<{ deleted: number; failed: RedriveReport["failed"]; remaining: number }> {
  const dlqUrl = deployment.queueUrl(role, true);
  const report = await deleteDeadLetters(deployment.sqs, dlqUrl);
  return { ...report, remaining: await queueDepth(deployment.sqs, dlqUrl) };
}
