import { PhaseTimeoutError, RunCeilingError } from "./stop-reasons.ts";

export interface AgentTurnDeadlines {
  /** When the agent-turn phase's own budget (`timeouts.agentTurnSeconds`) runs out. */
  readonly phaseDeadlineAt: number;
  /** When the run's ceiling stops it: `maxRunSeconds` less the finalize budget. */
  readonly ceilingAt: number;
  readonly agentTurnSeconds: number;
  readonly maxRunSeconds: number;
  readonly finalizeSeconds: number;
  /** How long before the stop the harness is told, to hand back partial output. */
  readonly graceMs: number;
}

/**
 * When the agent turn ends and why: at its own timeout or at the run's ceiling, whichever comes
 * first — and the reason names that one. (A run whose earlier phases used up its slack reaches
 * the ceiling first; it used to be told it "ran past its 20s timeout" 18 s into a 20 s phase.)
 */
export function agentTurnStop(deadlines: AgentTurnDeadlines): {
  readonly stopAt: number;
  readonly reason: PhaseTimeoutError | RunCeilingError;
} {
  const graceSeconds = deadlines.graceMs / 1000;
  if (deadlines.ceilingAt < deadlines.phaseDeadlineAt) {
    return {
      stopAt: deadlines.ceilingAt,
      reason: new RunCeilingError(deadlines.maxRunSeconds, deadlines.finalizeSeconds, graceSeconds),
    };
  }
  return {
    stopAt: deadlines.phaseDeadlineAt,
    reason: new PhaseTimeoutError("agent-turn", deadlines.agentTurnSeconds, graceSeconds),
  };
}
