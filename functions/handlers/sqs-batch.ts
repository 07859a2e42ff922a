import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { z } from "zod";
import {
  PoisonMessageError,
  StoreUnavailableError,
  TransientError,
  type ValidationIssue,
} from "#core/errors.ts";
import type { Logger } from "#core/logger.ts";
import { METRICS } from "#core/metric-names.ts";
import type { DeadLetters, MessageRedelivery, Metrics } from "#core/ports.ts";
import { toValidationIssues } from "#core/validation.ts";

export interface BatchDependencies {
  readonly deadLetters: DeadLetters;
  /** Makes a message that failed for a passing reason visible again soon. */
  readonly redelivery?: MessageRedelivery;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now: () => number;
}

/** First delay before a message that failed for a passing reason comes back; doubled per receive. */
const RETRY_BASE_SECONDS = 5;
/** Longest such delay. */
const RETRY_MAX_SECONDS = 120;

/**
 * Processes an SQS batch with partial batch responses: each record is parsed (JSON, then the zod
 * schema) and handled on its own; the other records of the batch succeed either way.
 * - A record that can never succeed (not JSON, wrong shape, or a handler's PoisonMessageError) goes
 *   straight to the DLQ with its reason and field path, on its first delivery, and is acknowledged.
 * - A record that failed for a passing reason (the store stayed unavailable) is reported as a batch
 *   item failure and made visible again after a short back-off (5 s, 10 s, ... 2 min) — not after
 *   the queue's visibility timeout, which is six times the function's timeout.
 * - On its last allowed delivery (`maxReceiveCount`), a record that fails again is parked in the DLQ
 *   by us, with the last error as its reason, rather than moved there silently by SQS's redrive.
 */
export async function processSqsBatch<T>(
  event: SQSEvent,
  options: {
    consumer: string;
    schema: z.ZodType<T>;
    /** The queue's maxReceiveCount (its redrive policy). */
    maxReceiveCount: number;
    handle: (message: T, record: SQSRecord) => Promise<void>;
  },
  deps: BatchDependencies,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const message = parseRecord(record, options.schema);
        await options.handle(message, record);
      } catch (error) {
        if (error instanceof PoisonMessageError) {
          await park(record, error.message, error.issues, options.consumer, deps, failures);
          deps.metrics.add(METRICS.poisonMessages, 1, "Count", { consumer: options.consumer });
          return;
        }
        const description = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
        if (receives >= options.maxReceiveCount) {
          const reason = `failed on each of its ${receives} deliveries; last error: ${description}`;
          await park(
            record,
            reason,
            [{ path: "(delivery)", message: reason }],
            options.consumer,
            deps,
            failures,
          );
          return;
        }
        failures.push({ itemIdentifier: record.messageId });
        const passing = isPassing(error);
        deps.log[passing ? "warn" : "error"]("message failed; it will be retried", {
          consumer: options.consumer,
          messageId: record.messageId,
          receives,
          error: description,
        });
        if (passing) await retrySoon(record, receives, options.consumer, deps);
      }
    }),
  );
  return { batchItemFailures: failures };
}

/** A failure a later attempt may not meet: the store or a queue was unavailable for a while. */
function isPassing(error: unknown): boolean {
  return (
    error instanceof TransientError ||
    error instanceof StoreUnavailableError ||
    (error instanceof Error && error.cause instanceof StoreUnavailableError)
  );
}

async function retrySoon(record: SQSRecord, receives: number, consumer: string, deps: BatchDependencies) {
  if (!deps.redelivery) return;
  const delaySeconds = Math.min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (receives - 1));
  try {
    await deps.redelivery.retryAfter(record.receiptHandle, delaySeconds);
  } catch (error) {
    // The queue's own visibility timeout still brings it back, only later.
    deps.log.warn("could not shorten the message's visibility; it comes back after the timeout", {
      consumer,
      messageId: record.messageId,
      error: String(error),
    });
  }
}

function parseRecord<T>(record: SQSRecord, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch (error) {
    throw new PoisonMessageError(`the message body is not JSON (${(error as Error).message})`, [
      { path: "(root)", message: `expected a JSON object, got ${JSON.stringify(record.body.slice(0, 80))}` },
    ]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // An issue about the whole body (not an object at all) has an empty path: name it.
    const issues = toValidationIssues(parsed.error).map((issue) => ({
      ...issue,
      path: issue.path || "(root)",
    }));
    throw new PoisonMessageError(
      `the message does not have the expected shape: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
      issues,
    );
  }
  return parsed.data;
}

async function park(
  record: SQSRecord,
  reason: string,
  issues: readonly ValidationIssue[],
  consumer: string,
  deps: BatchDependencies,
  failures: SQSBatchResponse["batchItemFailures"],
): Promise<void> {
  try {
    await deps.deadLetters.reject(record.body, { reason, issues, rejectedBy: consumer, atMs: deps.now() });
    deps.log.error("message parked in the dead-letter queue", {
      consumer,
      messageId: record.messageId,
      reason,
    });
  } catch (dlqError) {
    // Could not park it: let SQS retry; its redrive policy still lands it in the DLQ eventually.
    deps.log.error("could not send a message to the DLQ", {
      messageId: record.messageId,
      error: String(dlqError),
    });
    failures.push({ itemIdentifier: record.messageId });
  }
}
