import type { z } from "zod";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import type { SecretResolver } from "./secrets.ts";
import type { AgentTool } from "./tool.ts";

/**
 * What a harness is, before any SDK is loaded: its name and the schema of its options. The job
 * schema is built from these descriptors, so a job can only name a registered harness and its
 * options are validated when the job is applied, not when it first runs (DESIGN invariants 7, 8).
 */
export interface HarnessDescriptor<Options = unknown> {
  readonly name: string;
  readonly description: string;
  readonly optionsSchema: z.ZodType<Options>;
}

export interface HarnessTurnInput<Options = unknown> {
  readonly jobId: string;
  readonly runId: string;
  readonly prompt: string;
  /** Model id from the job (`agent.model`); the harness may have its own default. */
  readonly model?: string;
  /** Already validated against the descriptor's optionsSchema. */
  readonly options: Options;
  /** Tools contributed by the plugins that started. */
  readonly tools: readonly AgentTool[];
  /**
   * Aborted when the turn must stop: the phase timeout, the run's maxRunSeconds ceiling, a lost
   * lease or a `replace` stop request. `signal.reason` says which. On abort the harness has a short
   * grace period to return what it has (throw HarnessAbortedError with the partial output).
   */
  readonly signal: AbortSignal;
  /** Epoch ms (on `clock`) by which the harness must have returned. */
  readonly deadlineAt: number;
  /** The turn's clock: a harness waits on its timers, so tests and simulations can move time. */
  readonly clock: Clock;
  readonly secrets: SecretResolver;
  readonly log: Logger;
}

export interface TokenUsage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

export interface HarnessTurnResult {
  /** The agent's final text output (the turn handler stores a bounded summary of it). */
  readonly output: string;
  readonly provider?: string;
  readonly model?: string;
  readonly usage?: TokenUsage;
  /** Tool calls made during the turn. */
  readonly toolCalls: number;
  /** `completed`, or why the loop stopped early (e.g. `max-tool-calls`). */
  readonly stopReason: string;
  /** A local agent process's own streams (the `command` harness), kept with the run. */
  readonly streams?: HarnessStreams;
}

/** The ends of what an agent process wrote: what to read first when it failed. */
export interface HarnessStreams {
  readonly stdoutTail?: string;
  readonly stderrTail?: string;
}

export interface Harness<Options = unknown> extends HarnessDescriptor<Options> {
  run(input: HarnessTurnInput<Options>): Promise<HarnessTurnResult>;
}

/** The harness stopped because its signal was aborted; carries whatever output it had. */
export class HarnessAbortedError extends Error {
  override name = "HarnessAbortedError";
  constructor(
    message: string,
    readonly partial: Partial<HarnessTurnResult> = {},
  ) {
    super(message);
  }
}

/**
 * The harness (or the model/agent behind it) failed; the message says what and where. `partial`
 * carries what it produced before failing (a command agent's output and stream tails), which the
 * run keeps.
 */
export class HarnessFailedError extends Error {
  override name = "HarnessFailedError";
  readonly partial: Partial<HarnessTurnResult>;
  constructor(message: string, options: ErrorOptions & { partial?: Partial<HarnessTurnResult> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.partial = options.partial ?? {};
  }
}
