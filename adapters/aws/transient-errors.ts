import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { TransientError } from "#core/errors.ts";

// Which AWS SDK errors a retry may fix, and whether the failed request may still have taken
// effect. The SDK retries these itself a few times; what escapes its retries reaches us here and
// becomes a TransientError, which the core retries within the step's budget (DESIGN invariant 10).

/** Throttling: the service refused the request before applying it. */
const THROTTLING_CODES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "SlowDown",
  // A transaction whose items another transaction was changing at that moment: not applied.
  "TransactionConflictException",
  // A ClientRequestToken's first request is still being processed.
  "TransactionInProgressException",
]);

/** Failures after the request may have reached the service: it may or may not have been applied. */
const AMBIGUOUS_CODES = new Set([
  "InternalServerError",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
]);

/** The connection never opened: nothing was sent. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND"]);

interface AwsLikeError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

/**
 * Returns the TransientError `error` stands for, or undefined if a retry cannot fix it (a failed
 * condition, a validation error, access denied...).
 */
export function asTransientError(
  error: unknown,
  call: { service: string; operation: string },
): TransientError | undefined {
  if (error instanceof TransientError) return error;
  if (!(error instanceof Error)) return undefined;
  const aws = error as Error & AwsLikeError;
  const code =
    aws.code && (NOT_SENT_CODES.has(aws.code) || AMBIGUOUS_CODES.has(aws.code)) ? aws.code : aws.name;
  const status = aws.$metadata?.httpStatusCode;
  let maybeApplied: boolean;
  if (THROTTLING_CODES.has(code) || aws.$retryable?.throttling || status === 429) maybeApplied = false;
  else if (NOT_SENT_CODES.has(code)) maybeApplied = false;
  else if (AMBIGUOUS_CODES.has(code) || (status !== undefined && status >= 500)) maybeApplied = true;
  else return undefined;
  return new TransientError(
    `${call.service} ${call.operation} failed with ${code}${status ? ` (HTTP ${status})` : ""}: ${error.message}`,
    { ...call, code, maybeApplied },
    { cause: error },
  );
}

/** Runs an SDK call; a transient failure is rethrown as a TransientError, anything else unchanged. */
export async function classifyFailures<T>(
  call: { service: string; operation: string },
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw asTransientError(error, call) ?? error;
  }
}

/** The part of a client's middleware stack used here (an SDK client's is a superset, overloaded). */
interface InitializeStack {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; priority: "high"; name: string; override: boolean },
    ): void;
  };
}

/**
 * Makes every call of `client` raise TransientError for the failures a retry may fix. Installed
 * at the top of the client's middleware stack, above the SDK's own retries, so it sees what the
 * application would see. Installing it twice on one client replaces it (same name).
 */
export function raiseTransientErrors(client: DynamoDBClient | SQSClient, service: string): void {
  // The SDK's `add` is overloaded per step; this middleware only needs the initialize step's shape.
  (client as unknown as InitializeStack).middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw (
          asTransientError(error, {
            service,
            operation: (context.commandName ?? "request").replace(/Command$/, ""),
          }) ?? error
        );
      }
    },
    { step: "initialize", priority: "high", name: "agentcronTransientErrors", override: true },
  );
}
