import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";

/** How an injected fault shows itself to the application. */
export type FaultKind =
  /** Refused before it was sent (the service throttled it): not applied. */
  | "throttle"
  /** Sent and applied, then reported as failed (a 500): the application cannot tell. */
  | "applied-then-500"
  /** Refused before it was sent with an error no retry fixes (a bug, a permission). */
  | "permanent";

export interface FaultRule {
  /** The SDK command, e.g. `TransactWriteItems`, `SendMessage`, `UpdateItem`, `BatchGetItem`. */
  readonly command: string;
  readonly kind: FaultKind;
  /** Only requests whose input passes this (e.g. a given queue URL). @default every request */
  readonly when?: (input: Record<string, unknown>) => boolean;
  /** How many matching requests fail; the rest pass. @default Infinity */
  readonly times?: number;
  /** Matching requests to let through before failing. @default 0 */
  readonly skip?: number;
}

/** Errors shaped like the SDK's, as they reach the application above the SDK's own retries. */
function faultError(kind: FaultKind, command: string): Error {
  const error = new Error(`injected ${kind} on ${command}`);
  if (kind === "throttle") {
    return Object.assign(error, {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
      $retryable: { throttling: true },
    });
  }
  if (kind === "applied-then-500") {
    return Object.assign(error, { name: "InternalServerError", $metadata: { httpStatusCode: 500 } });
  }
  return Object.assign(error, { name: "ValidationException", $metadata: { httpStatusCode: 400 } });
}

/**
 * Injects faults into a real client's requests, where the application sees them: at the
 * `initialize` step, below the app's own error classification and above the SDK's retries. The
 * requests still go to the real emulator (an `applied-then-500` is applied there first). Returns
 * what it did and a `remove()` to take it out.
 */
export function injectFaults(client: DynamoDBClient | SQSClient, rules: readonly FaultRule[]) {
  const state = rules.map((rule) => ({ rule, seen: 0, failed: 0 }));
  const injected: { command: string; kind: FaultKind }[] = [];
  const name = `injectedFaults${Math.random().toString(36).slice(2)}`;
  const stack = (
    client as unknown as {
      middlewareStack: {
        add(
          middleware: (
            next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
            context: { commandName?: string },
          ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
          options: { step: "initialize"; priority: "low"; name: string },
        ): void;
        remove(name: string): boolean;
      };
    }
  ).middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? "").replace(/Command$/, "");
      const match = state.find(
        (entry) => entry.rule.command === command && (entry.rule.when?.(args.input) ?? true),
      );
      if (match) {
        match.seen++;
        const due = match.seen > (match.rule.skip ?? 0) && match.failed < (match.rule.times ?? Infinity);
        if (due) {
          match.failed++;
          injected.push({ command, kind: match.rule.kind });
          if (match.rule.kind === "applied-then-500") await next(args);
          throw faultError(match.rule.kind, command);
        }
      }
      return next(args);
    },
    { step: "initialize", priority: "low", name },
  );
  return {
    injected,
    remove: () => stack.remove(name),
  };
}
