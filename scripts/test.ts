// `npm test`: runs every step (typecheck, lint, the five tiers) even when one fails, prints a
// summary table, and exits non-zero if any step failed. `npm test -- unit e2e` runs only those.
import { spawn } from "node:child_process";
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
const results = await runAllSteps(
  steps,
  (step) =>
    new Promise((resolve) => {
      const startedAt = Date.now();
      console.log(`\n=== npm test: ${step.name} (npm run ${step.script}) ===`);
      const child = spawn(npm, ["run", "--silent", step.script], { stdio: "inherit" });
      child.once("error", (error) => {
        console.error(`npm test: could not start ${step.name}: ${error.message}`);
        resolve({ exitCode: null, durationMs: Date.now() - startedAt });
      });
      child.once("exit", (exitCode) => resolve({ exitCode, durationMs: Date.now() - startedAt }));
    }),
  () => interrupted,
);

console.log(`\n${formatSummary(results, `npm test on Node ${process.version}:`)}`);
process.exit(interrupted ? 130 : exitStatusOf(results));
