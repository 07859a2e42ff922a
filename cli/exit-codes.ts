import { JobValidationError } from "#core/errors.ts";

/**
 * The CLI's exit codes — documented in docs/cli.md; scripts and CI branch on them.
 * - 0 `ok`: done, and what you asked about is healthy.
 * - 1 `unhealthy`: what you asked about failed or is unhealthy (`run --wait` of a failed run,
 *   `doctor` found a problem).
 * - 2 `usage`: the command line or an input file is invalid (an invalid jobs.json lists every problem).
 * - 3 `notFound`: the deployment is unreachable or not found, or the job or run you named does not exist.
 */
export const EXIT = { ok: 0, unhealthy: 1, usage: 2, notFound: 3 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports in one readable message and maps to its exit code (no stack trace). */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The command line or an input is invalid; the message says what to pass instead. Exit 2. */
export class UsageError extends CliError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The deployment, job or run is not there (or cannot be reached); the message says what to check. Exit 3. */
export class NotFoundError extends CliError {
  override name = "NotFoundError";
  constructor(message: string) {
    super(message, EXIT.notFound);
  }
}

/** What you asked about is unhealthy or failed. Exit 1. */
export class UnhealthyError extends CliError {
  override name = "UnhealthyError";
  constructor(message: string) {
    super(message, EXIT.unhealthy);
  }
}

/** Error names the AWS SDK (and Node) use when a service or resource cannot be reached or found. */
const UNREACHABLE_NAMES = new Set([
  "ResourceNotFoundException",
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "CredentialsProviderError",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredTokenException",
  "AccessDeniedException",
  "TimeoutError",
]);

const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "EHOSTUNREACH", "ETIMEDOUT"]);

/**
 * The exit code for an error that escaped a command: our own errors carry theirs; an invalid job
 * set is a usage error; an AWS service or resource that cannot be reached or found is 3; anything
 * else is unexpected and reported as 1.
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof JobValidationError) return EXIT.usage;
  if (isUnreachable(error)) return EXIT.notFound;
  return EXIT.unhealthy;
}

/**
 * An escaped error as the person reads it, with its exit code: the AWS SDK's terse configuration
 * errors get the fix spelled out.
 */
export function explainError(error: unknown): { message: string; exitCode: ExitCode } {
  const message = error instanceof Error ? error.message : String(error);
  if (/region is missing/i.test(message)) {
    return { message: "no AWS region: pass --region REGION or set AWS_REGION", exitCode: EXIT.usage };
  }
  if (error instanceof Error && error.name === "CredentialsProviderError") {
    return {
      message: `no AWS credentials (${message}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (LocalStack accepts any)`,
      exitCode: EXIT.notFound,
    };
  }
  return { message, exitCode: exitCodeFor(error) };
}

/** Whether an error means the deployment (or one of its resources) could not be reached or found. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (UNREACHABLE_NAMES.has(error.name)) return true;
  if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause !== error) return isUnreachable(cause);
  // AggregateError from Node's fetch/http when every address refused.
  if (error instanceof AggregateError) return error.errors.some(isUnreachable);
  return false;
}
