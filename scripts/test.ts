// `npm test`: runs every step (typecheck, lint, the five tiers) even when one fails, prints a
// summary table, and exits non-zero if any step failed. `npm test -- unit e2e` runs only those.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { failureExcerpt, TailLines } from "./failure-excerpt.ts";
import {
  exitStatusOf,
  formatSummary,
  runAllSteps,
  selectSteps,
  type TestStep,
  UnknownTestStepError,
} from "./test-steps.ts";

let steps: TestStep[];
try {
  steps = selectSteps(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UnknownTestStepError)) throw error;
  console.error(`npm test: ${error.message}`);
  process.exit(2);
}

// Ctrl-C reaches the running step too (same process group); it ends, and no further step starts.
let interrupted = false;
process.on("SIGINT", () => {
  interrupted = true;
});
process.on("SIGTERM", () => {
  interrupted = true;
});

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// Each step's output passes through (colours kept on a terminal) and its end is kept, so a failed
// step's failures can be repeated below the summary: CI shows only the tail of the log.
const outputs = new Map<string, TailLines>();
const results = await runAllSteps(
  steps,
  (step) =>
    new Promise((resolve) => {
      const startedAt = Date.now();
      console.log(`\n=== npm test: ${step.name} (npm run ${step.script}) ===`);
      const tail = new TailLines(3000);
      outputs.set(step.name, tail);
      const child = spawn(npm, ["run", "--silent", step.script], {
        stdio: ["inherit", "pipe", "pipe"],
        env: process.stdout.isTTY
          ? { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "1" }
          : process.env,
      });
      // Decoded per stream, so a character split across two chunks (vitest's "⎯") stays whole.
      for (const [from, to] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ] as const) {
        from.setEncoding("utf8").on("data", (text: string) => {
          to.write(text);
          tail.write(text);
        });
      }
      child.once("error", (error) => {
        console.error(`npm test: could not start ${step.name}: ${error.message}`);
        resolve({ exitCode: null, durationMs: Date.now() - startedAt });
      });
      // "close", not "exit": the step's last output has been read.
      child.once("close", (exitCode) => resolve({ exitCode, durationMs: Date.now() - startedAt }));
    }),
  () => interrupted,
);

const report = [formatSummary(results, `npm test on Node ${process.version}:`)];
for (const result of results) {
  if (result.outcome !== "failed") continue;
  report.push(
    "",
    `what failed in ${result.step.name}:`,
    ...failureExcerpt(outputs.get(result.step.name)?.all() ?? []),
  );
}
console.log(`\n${report.join("\n")}`);
// .ci/run runs the suite twice and repeats both reports at its end (AGENTCRON_TEST_REPORT names the file).
if (process.env.AGENTCRON_TEST_REPORT)
  writeFileSync(process.env.AGENTCRON_TEST_REPORT, `${report.join("\n")}\n`);
process.exit(interrupted ? 130 : exitStatusOf(results));
