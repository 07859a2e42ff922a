import type { HarnessTurnResult } from "../agents/harness.ts";
import type { StoreUnavailableError } from "../errors.ts";
import type { PhaseName, PhaseOutcome, RunError, TerminalRunStatus } from "../runs/run-record.ts";
import {
  PhaseTimeoutError,
  PluginInitError,
  RunCeilingError,
  RuntimeShutdownError,
  StopRequestedError,
} from "./stop-reasons.ts";

export type TurnOutcome =
  /** Nothing to do: a redelivered message, a run superseded or already ended. Nothing written. */
  | { readonly kind: "ignored"; readonly reason: string }
  /** The run lost its lease mid-turn and stopped without writing over its successor. */
  | { readonly kind: "lease-lost" }
  | { readonly kind: "ended"; readonly status: TerminalRunStatus; readonly error?: RunError }
  /**
   * The run ended (`status`) but the store stayed unavailable until the turn had to return: the
   * outcome could not be written. The sweeper ends the run when its lease expires.
   */
  | { readonly kind: "unrecorded"; readonly status: TerminalRunStatus };

/**
 * The turn could not begin its run because the store stayed unavailable: nothing was started and
 * nothing is lost — the turns message should come back soon (not after the queue's hour-long
 * visibility timeout), while the run's start deadline lasts.
 */
export class TurnNotBegunError extends Error {
  override name = "TurnNotBegunError";
  constructor(
    readonly runId: string,
    cause: StoreUnavailableError,
  ) {
    super(`run ${runId} could not begin: ${cause.message}; the turn message will be retried`, { cause });
  }
}

/** The agent turn was stopped (timeout, ceiling, stop request, lost lease), maybe with partial output. */
export class TurnStoppedError extends Error {
  override name = "TurnStoppedError";
  constructor(
    readonly reason: unknown,
    readonly partial: Partial<HarnessTurnResult> | undefined,
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/** The outcome a run's current phase is closed with, for each way the run ends. */
export const PHASE_OUTCOME: Record<TerminalRunStatus, PhaseOutcome> = {
  succeeded: "ok",
  failed: "failed",
  "timed-out": "timed-out",
  cancelled: "cancelled",
  stalled: "stalled",
  abandoned: "abandoned",
  "not-started": "abandoned",
};

/**
 * Maps how a turn ended to the run's status and error (with the phase it ended in). A run fails for
 * its own reasons — the harness, a plugin, its job — or, when the store stayed unavailable past the
 * step's budget, with StoreUnavailableError saying exactly that; never with a raw store error.
 */
export function classifyTurnEnd(
  failure: unknown,
  phase: PhaseName,
): { status: TerminalRunStatus; error?: RunError; partial?: Partial<HarnessTurnResult> } {
  if (failure === undefined) return { status: "succeeded" };
  const partial = failure instanceof TurnStoppedError ? failure.partial : undefined;
  const cause = failure instanceof TurnStoppedError ? failure.reason : failure;
  const error = cause instanceof Error ? cause : new Error(String(cause));
  const plugin = error instanceof PluginInitError ? error.plugin : undefined;
  const status: TerminalRunStatus =
    error instanceof StopRequestedError || error instanceof RuntimeShutdownError
      ? "cancelled"
      : error instanceof RunCeilingError || error instanceof PhaseTimeoutError
        ? "timed-out"
        : "failed";
  return { status, error: { class: error.name, message: error.message, phase, plugin }, partial };
}
