// `npm run bench:cli`: how long the compiled `agentcron` takes as a whole process, side by side
// with `node -e 0` (Node's own start-up), for `--help` and for `jobs list` against a local runtime
// started here (the repository's jobs.json, paused so that no turn competes for the CPU, and
// DynamoDB Local in memory). The two commands run in
// turn — A B A B ... — so a machine whose speed drifts affects both alike; the overhead is taken
// pair by pair. CPU seconds come from /usr/bin/time when it is installed. Speed is measured here,
// never asserted in tests.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { silentLogger } from "#core/logger.ts";
import { startLocalRuntime } from "#local/runtime.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({ options: { runs: { type: "string", default: "20" } } });
const runs = Number(values.runs);
const TIME = "/usr/bin/time";
const CLI = join(import.meta.dirname, "..", "cli", "bin", "agentcron.mjs");

interface Sample {
  readonly wallMs: number;
  readonly cpuMs?: number;
}

/** Runs `argv` once as a whole process: its wall time, and its CPU time when /usr/bin/time is there. */
function timeOnce(argv: readonly string[], cwd: string): Sample {
  const timed = existsSync(TIME);
  const out = join(tmpdir(), `agentcron-bench-time-${process.pid}`);
  const command = timed ? [TIME, "-o", out, "-f", "%U %S", ...argv] : [...argv];
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0] ?? "", command.slice(1), { cwd, stdio: "ignore" });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(" ")} exited ${result.status}`);
  if (!timed) return { wallMs };
  const [user = 0, system = 0] = readFileSync(out, "utf8").trim().split(/\s+/).map(Number);
  rmSync(out, { force: true });
  return { wallMs, cpuMs: (user + system) * 1000 };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const ms = (value: number) => `${Math.round(value)} ms`;

/** A and B in turn, `runs` times each after one unmeasured pair. */
function compare(label: string, a: readonly string[], b: readonly string[], cwd: string) {
  timeOnce(a, cwd);
  timeOnce(b, cwd);
  const pairs: { a: Sample; b: Sample }[] = [];
  for (let index = 0; index < runs; index++) pairs.push({ a: timeOnce(a, cwd), b: timeOnce(b, cwd) });
  const wallA = pairs.map((pair) => pair.a.wallMs);
  const wallB = pairs.map((pair) => pair.b.wallMs);
  const overhead = pairs.map((pair) => pair.a.wallMs - pair.b.wallMs);
  const cpu = pairs.every((pair) => pair.a.cpuMs !== undefined && pair.b.cpuMs !== undefined)
    ? pairs.map((pair) => (pair.a.cpuMs ?? 0) - (pair.b.cpuMs ?? 0))
    : undefined;
  return {
    label,
    wall: median(wallA),
    node: median(wallB),
    overhead: median(overhead),
    cpuOverhead: cpu ? median(cpu) : undefined,
  };
}

console.error("bench: compiling the CLI...");
// In a child process: esbuild's service, started in this one, would keep it alive at the end.
const built = spawnSync(process.execPath, [join(import.meta.dirname, "..", "cli", "build.mjs")], {
  stdio: "inherit",
});
if (built.status !== 0) throw new Error(`compiling the CLI failed (exit ${built.status})`);
console.error("bench: starting a local runtime...");
const stateDir = mkdtempSync(join(tmpdir(), "agentcron-bench-cli-"));
// The runtime's guardian appends to logs/agentcron.log, which a file logger would have created.
mkdirSync(join(stateDir, "logs"), { recursive: true });
const jobSet = JSON.parse(readFileSync(join(import.meta.dirname, "..", "jobs.json"), "utf8")) as {
  jobs: Record<string, unknown>[];
};
const pausedJobs = join(stateDir, "jobs.json");
writeFileSync(pausedJobs, JSON.stringify({ jobs: jobSet.jobs.map((job) => ({ ...job, enabled: false })) }));
const runtime = await startLocalRuntime({
  jobsFile: pausedJobs,
  inMemory: true,
  stateDir,
  log: silentLogger,
});
const results = [];
try {
  const node = [process.execPath, "-e", "0"];
  const cli = [process.execPath, CLI, "--state-dir", stateDir];
  console.error(
    `bench: ${runs} pairs each; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  results.push(compare("agentcron --help", [process.execPath, CLI, "--help"], node, stateDir));
  results.push(compare("agentcron jobs list", [...cli, "jobs", "list"], node, stateDir));
} finally {
  await runtime.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
console.log(
  "| command | whole process (median) | `node -e 0` (median) | overhead, pair by pair (median) | CPU overhead (median) |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const result of results) {
  console.log(
    `| \`${result.label}\` | ${ms(result.wall)} | ${ms(result.node)} | **${ms(result.overhead)}** | ${result.cpuOverhead !== undefined ? ms(result.cpuOverhead) : "—"} |`,
  );
}
console.error(
  `bench: load average afterwards ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
