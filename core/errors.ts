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
