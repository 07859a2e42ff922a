/**
 * The steps `npm test` runs, and the pure logic of running them all: every step runs even when an
 * earlier one failed (a slow tier must not hide the others), and the exit status fails if any did.
 */

/** One step of `npm test`: an npm script, run as `npm run <script>`. */
export interface TestStep {
  readonly name: string;
  readonly script: string;
}

/** In order: the cheap checks first, then the tiers (README "Run the tests"). */
export const TEST_STEPS: readonly TestStep[] = [
  { name: "typecheck", script: "typecheck" },
  { name: "lint", script: "lint" },
  { name: "unit", script: "test:unit" },
  { name: "infra", script: "test:infra" },
  { name: "integration", script: "test:integration" },
  { name: "e2e", script: "test:e2e" },
  // Last: the seeded fault simulation (RELIABILITY.md) takes minutes; the quicker tiers report first.
  { name: "chaos", script: "test:chaos" },
];

export type StepOutcome = "passed" | "failed" | "not run";

export interface StepResult {
  readonly step: TestStep;
  readonly outcome: StepOutcome;
  /** The step's exit code (`null` when it was killed by a signal or never ran). */
  readonly exitCode: number | null;
  readonly durationMs: number;
}

/** Raised for a step name on the command line that is not one of {@link TEST_STEPS}. */
export class UnknownTestStepError extends Error {
  override name = "UnknownTestStepError";
}

/**
 * The steps named on the command line, in their usual order; all of them when none is named.
 * @throws UnknownTestStepError naming the unknown steps and the known ones.
 */
export function selectSteps(names: readonly string[], steps: readonly TestStep[] = TEST_STEPS): TestStep[] {
  const unknown = names.filter((name) => !steps.some((step) => step.name === name));
  if (unknown.length > 0) {
    throw new UnknownTestStepError(
      `unknown test step${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}; ` +
        `the steps are: ${steps.map((step) => step.name).join(", ")} (none named runs them all)`,
    );
  }
  return names.length === 0 ? [...steps] : steps.filter((step) => names.includes(step.name));
}

/**
 * Runs every step in order, whatever the earlier ones did; stops starting new steps once
 * `interrupted()` says so (Ctrl-C), recording the rest as not run.
 */
export async function runAllSteps(
  steps: readonly TestStep[],
  run: (step: TestStep) => Promise<{ exitCode: number | null; durationMs: number }>,
  interrupted: () => boolean = () => false,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    if (interrupted()) {
      results.push({ step, outcome: "not run", exitCode: null, durationMs: 0 });
      continue;
    }
    const { exitCode, durationMs } = await run(step);
    results.push({ step, outcome: exitCode === 0 ? "passed" : "failed", exitCode, durationMs });
  }
  return results;
}

/** 0 when every step passed; 1 when a step failed or did not run. */
export function exitStatusOf(results: readonly StepResult[]): number {
  return results.every((result) => result.outcome === "passed") ? 0 : 1;
}

/** The table printed at the end of `npm test`: one line per step, then the verdict. */
export function formatSummary(results: readonly StepResult[], heading: string): string {
  const nameWidth = Math.max(4, ...results.map((result) => result.step.name.length));
  const lines = [
    heading,
    `${"step".padEnd(nameWidth)}  ${"result".padEnd(7)}  ${"time".padStart(10)}  exit`,
    ...results.map(
      (result) =>
        `${result.step.name.padEnd(nameWidth)}  ${result.outcome.padEnd(7)}  ${formatDuration(result.durationMs).padStart(10)}  ${result.exitCode ?? "-"}`,
    ),
  ];
  const total = results.reduce((sum, result) => sum + result.durationMs, 0);
  const failed = results.filter((result) => result.outcome !== "passed");
  lines.push(
    failed.length === 0
      ? `${results.length === 1 ? "the step" : `all ${results.length} steps`} passed in ${formatDuration(total)}`
      : `${failed.length} of ${results.length} steps did not pass (${failed
          .map((result) => `${result.step.name}: ${result.outcome}`)
          .join(", ")}) in ${formatDuration(total)}; ` +
          `rerun one with \`npm test -- ${failed[0]?.step.name}\``,
  );
  return lines.join("\n");
}

function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000); // rounded once, so 59.6 s past a minute is the next minute
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
