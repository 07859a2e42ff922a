import { describe, expect, it } from "vitest";
import { agentTurnStop } from "#core/turn/agent-turn-stop.ts";
import { PhaseTimeoutError, RunCeilingError } from "#core/turn/stop-reasons.ts";

const startedAt = Date.UTC(2026, 10, 22, 5, 0, 0);
const at = (seconds: number) => startedAt + seconds * 1000;

describe("when the agent turn stops, and why", () => {
  it("stops at the phase's own timeout when it comes first, saying the harness was told early", () => {
    const { stopAt, reason } = agentTurnStop({
      phaseDeadlineAt: at(25),
      ceilingAt: at(40),
      agentTurnSeconds: 20,
      maxRunSeconds: 45,
      finalizeSeconds: 5,
      graceMs: 2000,
    });
    expect(stopAt).toBe(at(25));
    expect(reason).toBeInstanceOf(PhaseTimeoutError);
    expect(reason.message).toBe(
      "phase agent-turn reached its 20s timeout (timeouts.agentTurnSeconds); the harness was told to stop 2s before it, to hand back partial output",
    );
  });

  it("names the run's ceiling, not the phase's timeout, when the ceiling comes first", () => {
    // Earlier phases used the slack: 18 s into a 20 s agent turn the run reaches its ceiling.
    const { stopAt, reason } = agentTurnStop({
      phaseDeadlineAt: at(22),
      ceilingAt: at(18),
      agentTurnSeconds: 20,
      maxRunSeconds: 20,
      finalizeSeconds: 2,
      graceMs: 2000,
    });
    expect(stopAt).toBe(at(18));
    expect(reason).toBeInstanceOf(RunCeilingError);
    expect(reason.message).toBe(
      "the run reached its ceiling: maxRunSeconds 20s, of which the last 2s are kept to record the outcome, so the turn stops at 18s; the harness was told to stop 2s before it, to hand back partial output",
    );
  });

  it("calls it the phase timeout when both come at the same moment", () => {
    const { reason } = agentTurnStop({
      phaseDeadlineAt: at(30),
      ceilingAt: at(30),
      agentTurnSeconds: 30,
      maxRunSeconds: 35,
      finalizeSeconds: 5,
      graceMs: 0,
    });
    expect(reason).toBeInstanceOf(PhaseTimeoutError);
    expect(reason.message).toBe("phase agent-turn reached its 30s timeout (timeouts.agentTurnSeconds)");
  });
});
