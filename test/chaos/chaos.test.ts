import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CI_RUNS, REPLAY_RUN } from "./ci-runs.ts";
import { oneLineSummary } from "./report.ts";
import { replayableView, type Summary } from "./summary.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");

interface ChaosRun {
  readonly exitCode: number | null;
  readonly summary: (Summary & { reproduce: string }) | undefined;
  readonly stderr: string;
}

/** Runs `npm run chaos` as its own process (it replaces Date.now and Math.random in its process). */
function runChaos(run: { scenario: string; seed: number; fires: number }): Promise<ChaosRun> {
  const args = [
    "test/chaos/run.ts",
    "--seed",
    String(run.seed),
    "--fires",
    String(run.fires),
    "--scenario",
    run.scenario,
    "--json",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    child.once("error", reject);
    child.once("close", (exitCode) => {
      let summary: ChaosRun["summary"];
      try {
        summary = JSON.parse(stdout);
      } catch {
        summary = undefined;
      }
      resolve({ exitCode, summary, stderr });
    });
  });
}

function describeFailure(run: { scenario: string; seed: number; fires: number }, result: ChaosRun): string {
  const reproduce = `npm run chaos -- --seed ${run.seed} --fires ${run.fires} --scenario ${run.scenario}`;
  const violations = result.summary
    ? JSON.stringify(result.summary.violations, null, 2).slice(0, 4000)
    : result.stderr.slice(-4000);
  return `seed ${run.seed} (${run.scenario}, ${run.fires} fires) failed; reproduce with: ${reproduce}\n${violations}`;
}

// Each simulation takes from under a minute to several on a busy 2-core machine; they run one at a
// time so the emulators are not starved.
describe.sequential("the fault-injection simulation (npm run chaos)", () => {
  for (const run of CI_RUNS) {
    it(`${run.scenario}, seed ${run.seed}, ${run.fires} fires: every invariant holds`, async () => {
      const result = await runChaos(run);

      expect(result.summary, describeFailure(run, result)).toBeDefined();
      const summary = result.summary as Summary;
      console.info(oneLineSummary(summary));
      expect(summary.violations, describeFailure(run, result)).toEqual({});
      expect(result.exitCode, describeFailure(run, result)).toBe(0);
      expect(Object.values(summary.invariants).every((count) => count === 0)).toBe(true);
      // It ran what it says: every fire scheduled, harnesses executed, faults injected.
      expect(summary.fires.scheduled).toBe(run.fires);
      expect(summary.harness.returned).toBeGreaterThan(0);
      expect(summary.injectedFaults.throttled).toBeGreaterThan(0);
      expect(summary.injectedFaults["internal-error"]).toBeGreaterThan(0);
      expect(summary.injectedFaults.timeout).toBeGreaterThan(0);
    });
  }

  it(`replays: seed ${REPLAY_RUN.seed} twice gives the same summary`, async () => {
    const first = await runChaos(REPLAY_RUN);
    const second = await runChaos(REPLAY_RUN);

    expect(first.summary, describeFailure(REPLAY_RUN, first)).toBeDefined();
    expect(second.summary, describeFailure(REPLAY_RUN, second)).toBeDefined();
    expect(replayableView(second.summary as Summary)).toEqual(replayableView(first.summary as Summary));
  });
});
