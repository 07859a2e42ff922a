import { describe, expect, it } from "vitest";
import { deadlineSignal, ManualClock } from "#core/clock.ts";
import { LeaseLostError } from "#core/errors.ts";
import { settleWithin } from "#core/turn/deadline-signal.ts";
import { summarizeOutput } from "#core/turn/output-summary.ts";
import { classifyTurnEnd, TurnStoppedError } from "#core/turn/run-turn.ts";
import {
  PhaseTimeoutError,
  PluginInitError,
  RunCeilingError,
  RuntimeShutdownError,
  StopRequestedError,
} from "#core/turn/stop-reasons.ts";

describe("output summary", () => {
  it("keeps short output whole and cuts long output on a character boundary", () => {
    expect(summarizeOutput("hello")).toEqual({ summary: "hello", bytes: 5, truncated: false });
    const long = "é".repeat(10); // 2 bytes each
    const cut = summarizeOutput(long, 7);
    expect(cut).toEqual({ summary: "ééé", bytes: 20, truncated: true });
  });
});

describe("settling work within a signal", () => {
  it("gives work that ignores its signal only the grace period after the abort", async () => {
    // Prepare
    const clock = new ManualClock();
    const controller = new AbortController();
    const never = new Promise<string>(() => {});
    const settled = settleWithin(clock, never, controller.signal, 50);
    let outcome: unknown;
    settled.catch((error: unknown) => {
      outcome = error;
    });
    // Act: abort, then move time to just before and just past the grace.
    controller.abort(new PhaseTimeoutError("agent-turn", 1));
    clock.advance(49);
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    clock.advance(1);
    // Assess
    await expect(settled).rejects.toBeInstanceOf(PhaseTimeoutError);
  });

  it("returns the work's result when it settles within the grace", async () => {
    const controller = new AbortController();
    controller.abort(new StopRequestedError("fire-2"));
    await expect(
      settleWithin(new ManualClock(), Promise.resolve("partial"), controller.signal, 1000),
    ).resolves.toBe("partial");
  });

  it("aborts a deadline signal with its reason when its time comes, and not at all once cleared", () => {
    const clock = new ManualClock();
    const fired = deadlineSignal(clock, 10, new RunCeilingError(5));
    const cleared = deadlineSignal(clock, 10, new RunCeilingError(5));
    cleared.clear();
    clock.advance(9);
    expect(fired.signal.aborted).toBe(false);
    clock.advance(1);
    expect(fired.signal.reason).toBeInstanceOf(RunCeilingError);
    expect(cleared.signal.aborted).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("how a turn ended", () => {
  it.each([
    [undefined, "succeeded", undefined],
    [
      new TurnStoppedError(new StopRequestedError("x"), { output: "half" }),
      "cancelled",
      "StopRequestedError",
    ],
    [new TurnStoppedError(new RuntimeShutdownError(), undefined), "cancelled", "RuntimeShutdownError"],
    [new TurnStoppedError(new RunCeilingError(60), undefined), "timed-out", "RunCeilingError"],
    [new PhaseTimeoutError("runtime-plugins", 30), "timed-out", "PhaseTimeoutError"],
    [new PluginInitError("search", "refused", [], []), "failed", "PluginInitError"],
    [new Error("boom"), "failed", "Error"],
  ] as const)("maps %s to %s", (failure, status, errorClass) => {
    const ended = classifyTurnEnd(failure, "agent-turn");
    expect(ended.status).toBe(status);
    expect(ended.error?.class).toBe(errorClass);
  });

  it("keeps the harness's partial output and names the plugin of a plugin failure", () => {
    expect(
      classifyTurnEnd(
        new TurnStoppedError(new StopRequestedError(undefined), { output: "half" }),
        "agent-turn",
      ).partial,
    ).toEqual({
      output: "half",
    });
    expect(
      classifyTurnEnd(new PluginInitError("search", "x", [], []), "runtime-plugins").error,
    ).toMatchObject({
      plugin: "search",
      phase: "runtime-plugins",
    });
    expect(new LeaseLostError("x").name).toBe("LeaseLostError");
  });
});
