import type { PhaseName } from "../runs/run-record.ts";

// Why a turn is told to stop. Each is the `reason` of the AbortSignal handed to plugins and the
// harness, so whoever is interrupted can tell why, and the turn records the right outcome.

/** The job field that sets each phase's budget, for messages that say what to raise. */
const PHASE_BUDGET_FIELD: Record<PhaseName, string> = {
  setup: "timeouts.setupSeconds",
  "runtime-plugins": "timeouts.runtimePluginsSeconds",
  "agent-turn": "timeouts.agentTurnSeconds",
  finalize: "timeouts.finalizeSeconds",
};

/**
 * A phase's own timeout came. `graceSeconds`: the harness was told that long before it, to hand
 * back partial output (the agent turn), so the message does not claim it ran past.
 */
export class PhaseTimeoutError extends Error {
  override name = "PhaseTimeoutError";
  constructor(
    readonly phase: PhaseName,
    readonly timeoutSeconds: number,
    readonly graceSeconds = 0,
  ) {
    super(
      `phase ${phase} reached its ${timeoutSeconds}s timeout (${PHASE_BUDGET_FIELD[phase]})` +
        (graceSeconds > 0
          ? `; the harness was told to stop ${graceSeconds}s before it, to hand back partial output`
          : ""),
    );
  }
}

/**
 * The run reached its hard ceiling (`maxRunSeconds`, less the finalize budget kept to record the
 * outcome). Field report 3: no turn runs for hours.
 */
export class RunCeilingError extends Error {
  override name = "RunCeilingError";
  constructor(
    readonly maxRunSeconds: number,
    readonly finalizeSeconds?: number,
    readonly graceSeconds = 0,
  ) {
    super(
      `the run reached its ceiling: maxRunSeconds ${maxRunSeconds}s` +
        (finalizeSeconds !== undefined
          ? `, of which the last ${finalizeSeconds}s are kept to record the outcome, so the turn stops at ${maxRunSeconds - finalizeSeconds}s`
          : "") +
        (graceSeconds > 0
          ? `; the harness was told to stop ${graceSeconds}s before it, to hand back partial output`
          : ""),
    );
  }
}

/** A `replace` fire asked this run to stop so the new fire can run. */
export class StopRequestedError extends Error {
  override name = "StopRequestedError";
  constructor(readonly requestedBy: string | undefined) {
    super(
      `a newer fire${requestedBy ? ` (${requestedBy})` : ""} asked this run to stop (overlap policy "replace")`,
    );
  }
}

/** A required plugin failed or timed out; names it and what had started and what had not. */
export class PluginInitError extends Error {
  override name = "PluginInitError";
  constructor(
    readonly plugin: string,
    readonly reason: string,
    readonly finished: readonly string[],
    readonly neverStarted: readonly string[],
  ) {
    super(
      `required plugin "${plugin}" did not start: ${reason}. Finished: ${finished.join(", ") || "none"}; never started: ${neverStarted.join(", ") || "none"}`,
    );
  }
}

/** The stored job cannot run as it is (it changed since the fire was accepted). */
export class JobNotRunnableError extends Error {
  override name = "JobNotRunnableError";
}

/** The process running the turn is shutting down (the local runtime's Ctrl-C, a Lambda SIGTERM). */
export class RuntimeShutdownError extends Error {
  override name = "RuntimeShutdownError";
  constructor() {
    super("the runtime running this turn is shutting down; the run stops and records itself as cancelled");
  }
}
