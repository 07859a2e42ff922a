/** One problem found in an input, located by its path (e.g. `jobs[2].agent.harness`). */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** Formats issues one per line: `- path: message`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `- ${issue.path || "(root)"}: ${issue.message}`).join("\n");
}

/** A job definition (or a set of them) is invalid; `issues` lists every problem with its path. */
export class JobValidationError extends Error {
  override name = "JobValidationError";
  constructor(
    readonly issues: readonly ValidationIssue[],
    subject = "job definition",
  ) {
    super(
      `invalid ${subject} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${formatIssues(issues)}`,
    );
  }
}

/**
 * Someone else changed the job between our read and our write (the `JobStore` port's optimistic
 * version check); re-read and try again.
 */
export class ConcurrentJobChangeError extends Error {
  override name = "ConcurrentJobChangeError";
}

/** A message on a queue is not what its consumer accepts; it cannot succeed by being retried. */
export class PoisonMessageError extends Error {
  override name = "PoisonMessageError";
  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[] = [],
  ) {
    super(message);
  }
}

/**
 * The run no longer holds its job's lease (it expired and another run took it, or the sweeper
 * released it). DESIGN invariant 2: the run must stop and write nothing more.
 */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

/**
 * A stored job names a harness that this deployment did not register at boot. DESIGN invariant 7
 * and field report 4: this gets its own class, metric and alarm, never a generic error.
 */
export class HarnessNotRegisteredError extends Error {
  override name = "HarnessNotRegisteredError";
  constructor(
    readonly harness: string,
    readonly registered: readonly string[],
    readonly jobId?: string,
  ) {
    super(
      `harness "${harness}"${jobId ? ` (job ${jobId})` : ""} is not registered in this deployment; ` +
        `registered harnesses: ${registered.join(", ") || "none"}. ` +
        "Fix the job's agent.harness or deploy a build that registers it.",
    );
  }
}

/** A stored job names a plugin type this deployment did not register at boot. */
export class PluginTypeNotRegisteredError extends Error {
  override name = "PluginTypeNotRegisteredError";
  constructor(
    readonly pluginType: string,
    readonly registered: readonly string[],
  ) {
    super(
      `plugin type "${pluginType}" is not registered in this deployment; registered plugin types: ${registered.join(", ") || "none"}`,
    );
  }
}

/**
 * A call to the store or a queue failed in a way a retry may fix: throttling, a 5xx, a time-out, a
 * transaction conflict, a dropped connection. Adapters raise it; the core retries it within the
 * step's budget (DESIGN invariant 10). `maybeApplied` says the request may have taken effect even
 * though it reported failure (a 5xx or a time-out after sending); every write the core retries is
 * built so that a second attempt recognises its own first one (an attempt id in the item, or a
 * condition the first attempt already satisfied), so an ambiguous write is resolved, never guessed.
 */
export class TransientError extends Error {
  override name = "TransientError";
  constructor(
    message: string,
    readonly detail: {
      /** `dynamodb` or `sqs`. */
      readonly service: string;
      readonly operation: string;
      /** The service's error code, e.g. `ThrottlingException`, `InternalServerError`, `TimeoutError`. */
      readonly code: string;
      readonly maybeApplied: boolean;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A step could not reach the store (or a queue) within its budget: every attempt failed with a
 * transient error. The message names the step, how long it tried, how often, and the last error —
 * so a run that ends this way says the store was down, not that its agent failed.
 */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(
    readonly step: string,
    readonly attempts: number,
    readonly triedForMs: number,
    /** The last failure seen; undefined when the calls got no answer at all. */
    readonly lastError: TransientError | undefined,
  ) {
    const call = lastError
      ? `the ${lastError.detail.service} call ${lastError.detail.operation}`
      : "the store";
    super(
      `${step}: ${call} kept failing for ${Math.round(triedForMs / 100) / 10}s over ` +
        `${attempts} attempt${attempts === 1 ? "" : "s"} (last: ${lastError?.detail.code ?? "no answer"}); ` +
        "the store was unavailable, not the agent",
    );
  }
}
