/**
 * The two work queues and their dead-letter queues — the single source for the CDK stack, the
 * local runtime and the tests.
 */
export interface QueueDefinition {
  /** Suffix of the queue name (`<prefix>-fires`). */
  readonly name: string;
  /** Receives before SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number;
}

export const QUEUE_DEFINITIONS = {
  /** Fires from the schedule rules, manual runs and buffered-fire drains → dispatch. */
  fires: { name: "fires", maxReceiveCount: 5 },
  /** Runs handed off by dispatch (and retries from the sweeper) → turn. */
  turns: { name: "turns", maxReceiveCount: 3 },
} as const satisfies Record<string, QueueDefinition>;

export type QueueRole = keyof typeof QUEUE_DEFINITIONS;

/** Dead-letter queues keep messages 14 days (SQS's maximum) — time to notice, inspect and redrive. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * AWS's guidance for a queue that feeds a Lambda: a visibility timeout of at least six times the
 * function's timeout, so retries by the poller never race a still-running invocation.
 */
export function visibilityTimeoutFor(functionTimeoutSeconds: number): number {
  return Math.min(43_200, functionTimeoutSeconds * 6);
}

export function queueName(prefix: string, role: QueueRole, deadLetter = false): string {
  return `${prefix}-${QUEUE_DEFINITIONS[role].name}${deadLetter ? "-dlq" : ""}`;
}
