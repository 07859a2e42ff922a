import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { z } from "zod";
import type { DeadLetters } from "#adapters/sqs/dead-letters.ts";
import { PoisonMessageError } from "#core/errors.ts";
import type { Logger } from "#core/logger.ts";
import { METRICS } from "#core/metric-names.ts";
import type { Metrics } from "#core/ports.ts";
import { toValidationIssues } from "#core/validation.ts";

export interface BatchDependencies {
  readonly deadLetters: DeadLetters;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * Processes an SQS batch with partial batch responses: each record is parsed (JSON, then the zod
 * schema) and handled on its own. A record that can never succeed (not JSON, wrong shape, or a
 * handler's PoisonMessageError) goes straight to the DLQ with its reason and is acknowledged; a
 * record that failed for a passing reason is reported as a batch item failure so SQS retries only
 * it. The other records of the batch succeed either way.
 */
export async function processSqsBatch<T>(
  event: SQSEvent,
  options: {
    consumer: string;
    schema: z.ZodType<T>;
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
          await rejectPoison(record, error, options.consumer, deps, failures);
          return;
        }
        deps.log.error("message failed; SQS will retry it", {
          consumer: options.consumer,
          messageId: record.messageId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}

function parseRecord<T>(record: SQSRecord, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch (error) {
    throw new PoisonMessageError(`the message body is not JSON (${(error as Error).message})`, [
      { path: "(body)", message: `expected a JSON object, got ${JSON.stringify(record.body.slice(0, 80))}` },
    ]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error);
    throw new PoisonMessageError(
      `the message does not have the expected shape: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
      issues,
    );
  }
  return parsed.data;
}

async function rejectPoison(
  record: SQSRecord,
  error: PoisonMessageError,
  consumer: string,
  deps: BatchDependencies,
  failures: SQSBatchResponse["batchItemFailures"],
): Promise<void> {
  try {
    await deps.deadLetters.reject(record.body, {
      reason: error.message,
      issues: error.issues,
      rejectedBy: consumer,
      atMs: deps.now(),
    });
    deps.metrics.add(METRICS.poisonMessages, 1, "Count", { consumer });
    deps.log.error("poison message sent to the dead-letter queue", {
      consumer,
      messageId: record.messageId,
      reason: error.message,
    });
  } catch (dlqError) {
    // Could not park it: let SQS retry; its redrive policy still lands it in the DLQ eventually.
    deps.log.error("could not send a poison message to the DLQ", {
      messageId: record.messageId,
      error: String(dlqError),
    });
    failures.push({ itemIdentifier: record.messageId });
  }
}
