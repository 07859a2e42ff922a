// `npm run chaos`: the seeded fault-injection simulation of the run engine (RELIABILITY.md).
// Runs in its own process: it replaces Date.now and Math.random here with simulated ones.
import { parseCliOptions, USAGE, UsageError } from "./cli-options.ts";
import { formatReport, reproduceCommand } from "./report.ts";
import { runSimulation } from "./simulation.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

let options: ReturnType<typeof parseCliOptions>;
try {
  options = parseCliOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  process.exit(2);
}

const summary = await runSimulation(options);
const failed = Object.keys(summary.violations).length > 0;
if (options.json) {
  process.stdout.write(
    `${JSON.stringify({ ...summary, reproduce: reproduceCommand(summary, options.fires) }, null, 2)}\n`,
  );
} else {
  process.stdout.write(`${formatReport(summary, options.fires)}\n`);
}
if (failed && options.json)
  process.stderr.write(`invariants violated; reproduce: ${reproduceCommand(summary, options.fires)}\n`);
process.exit(failed ? 1 : 0);
