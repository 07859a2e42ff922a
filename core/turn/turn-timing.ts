import { heartbeatIntervalMs } from "../jobs/time-budget.ts";

/** Timings of a turn that tests may shorten; production uses the defaults. */
export interface TurnTiming {
  /** How often the lease is renewed. @default a third of the job's lease */
  heartbeatIntervalMs(leaseSeconds: number): number;
  /** How long the harness has to return partial output after it is told to stop. */
  graceMs(agentTurnSeconds: number): number;
}

export const DEFAULT_TURN_TIMING: TurnTiming = {
  heartbeatIntervalMs,
  // A tenth of the phase, between 1 and 10 seconds: enough to flush a partial answer, short
  // enough that the phase still ends within its own budget.
  graceMs: (agentTurnSeconds) => Math.min(10_000, Math.max(1_000, agentTurnSeconds * 100)),
};
