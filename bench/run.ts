// `npm run bench`: measures the dispatch path and the turn on the embedded emulators and prints
// the results as Markdown (copy them into BENCHMARKS.md) and JSON (bench/results/latest.json).
// Speed is measured here, never asserted in tests.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { measureDispatchBurst } from "./dispatch-burst.ts";
import { measureDispatchCost } from "./dispatch-cost.ts";
import { startBenchEnvironment } from "./environment.ts";
import { measureTurnCost } from "./turn-cost.ts";
import { measureTurnOverhead } from "./turn-overhead.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "turn-seconds": { type: "string", default: "30" },
  },
});
const quick = values.quick;

const env = await startBenchEnvironment();
const results: Record<string, unknown> = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
};
try {
  console.error("bench: dispatch cost per run...");
  results.dispatchCost = await measureDispatchCost(env, quick ? 50 : 200);
  console.error("bench: burst of fires...");
  // Warm the JVM behind DynamoDB Local (and our JIT) first: the first burst of a fresh emulator is
  // markedly slower, which would otherwise favour whichever setting runs second.
  await measureDispatchBurst(env, { fires: 300, concurrency: 5, label: "warmup" });
  results.dispatchBurst = [];
  for (const concurrency of [1, 5, 10]) {
    (results.dispatchBurst as unknown[]).push(
      await measureDispatchBurst(env, { fires: quick ? 200 : 1000, concurrency }),
    );
  }
  console.error("bench: turn handler overhead...");
  results.turnOverhead = await measureTurnOverhead(env, quick ? 20 : 50);
  console.error(`bench: one run end to end with two plugins and a ${values["turn-seconds"]} s turn...`);
  results.turnCost = await measureTurnCost(env, Number(values["turn-seconds"]));
} finally {
  await env.stop();
}

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
