import { describe, expect, it } from "vitest";
import {
  exitStatusOf,
  formatSummary,
  runAllSteps,
  selectSteps,
  TEST_STEPS,
  type TestStep,
  UnknownTestStepError,
} from "#scripts/test-steps.ts";

const steps: TestStep[] = [
  { name: "lint", script: "lint" },
  { name: "unit", script: "test:unit" },
  { name: "e2e", script: "test:e2e" },
];

describe("npm test's step runner", () => {
  it("runs every step even after one fails, and fails the whole run", async () => {
    // Prepare
    const ran: string[] = [];

    // Act
    const results = await runAllSteps(steps, async (step) => {
      ran.push(step.name);
      return { exitCode: step.name === "lint" ? 1 : 0, durationMs: 10 };
    });

    // Assess
    expect(ran).toEqual(["lint", "unit", "e2e"]);
    expect(results.map((result) => result.outcome)).toEqual(["failed", "passed", "passed"]);
    expect(exitStatusOf(results)).toBe(1);
  });

  it("passes only when every step passed", async () => {
    const results = await runAllSteps(steps, async () => ({ exitCode: 0, durationMs: 1 }));

    expect(exitStatusOf(results)).toBe(0);
  });

  it("counts a step killed by a signal as failed", async () => {
    const results = await runAllSteps(steps.slice(0, 1), async () => ({ exitCode: null, durationMs: 1 }));

    expect(results[0]?.outcome).toBe("failed");
    expect(exitStatusOf(results)).toBe(1);
  });

  it("starts no further step once interrupted, and does not pass", async () => {
    // Prepare
    let interrupted = false;

    // Act
    const results = await runAllSteps(
      steps,
      async () => {
        interrupted = true;
        return { exitCode: 0, durationMs: 1 };
      },
      () => interrupted,
    );

    // Assess
    expect(results.map((result) => result.outcome)).toEqual(["passed", "not run", "not run"]);
    expect(exitStatusOf(results)).toBe(1);
  });

  it("prints one line per step and names the failed ones with the command to rerun one", async () => {
    // Prepare
    const results = await runAllSteps(steps, async (step) => ({
      exitCode: step.name === "e2e" ? 1 : 0,
      durationMs: step.name === "e2e" ? 125_000 : 2_500,
    }));

    // Act
    const summary = formatSummary(results, "npm test on Node v24.0.0:");

    // Assess
    expect(summary.split("\n")).toEqual([
      "npm test on Node v24.0.0:",
      "step  result         time  exit",
      "lint  passed        2.5 s  0",
      "unit  passed        2.5 s  0",
      "e2e   failed    2 min 5 s  1",
      "1 of 3 steps did not pass (e2e: failed) in 2 min 10 s; rerun one with `npm test -- e2e`",
    ]);
  });

  it("rounds a time to whole seconds before splitting off the minutes (never '14 min 60 s')", async () => {
    const results = await runAllSteps([{ name: "e2e", script: "test:e2e" }], async () => ({
      exitCode: 0,
      durationMs: 14 * 60_000 + 59_600,
    }));
    expect(formatSummary(results, "h").split("\n").at(-1)).toBe("the step passed in 15 min 0 s");
  });

  it("selects the named steps in their usual order, and refuses an unknown one with the list", () => {
    expect(selectSteps(["e2e", "lint"]).map((step) => step.name)).toEqual(["lint", "e2e"]);
    expect(selectSteps([])).toEqual(TEST_STEPS);
    expect(() => selectSteps(["units"])).toThrow(UnknownTestStepError);
    expect(() => selectSteps(["units"])).toThrow(
      "unknown test step: units; the steps are: typecheck, lint, unit, infra, integration, e2e, chaos",
    );
  });
});
