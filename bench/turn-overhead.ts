import { performance } from "node:perf_hooks";
import type { Harness } from "#core/agents/harness.ts";
import type { AgentRegistry } from "#core/agents/registry.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { runTurn } from "#core/turn/run-turn.ts";
import type { BenchEnvironment } from "./environment.ts";
import { benchJob, dispatchDependencies, turnDependencies } from "./fixtures.ts";
import { percentile } from "./request-counter.ts";

export interface TurnOverheadResult {
  readonly turns: number;
  readonly turnP50Ms: number;
  readonly turnP99Ms: number;
  readonly harnessP50Ms: number;
  readonly overheadP50Ms: number;
  readonly overheadP99Ms: number;
  readonly requestsPerTurn: number;
  readonly cpuMsPerTurn: number;
}

/**
 * What the turn handler costs outside the harness call: `turns` turns of a job with no plugins
 * whose harness returns at once, timed in process. Overhead = the whole turn minus the harness
 * call; it is mostly the five DynamoDB round trips of the flight record.
 */
export async function measureTurnOverhead(env: BenchEnvironment, turns = 50): Promise<TurnOverheadResult> {
  const now = env.deps.clock.now();
  const harnessMs: number[] = [];
  const demo = env.deps.registry.harness("demo");
  const timedDemo: Harness = {
    ...demo,
    async run(input) {
      const started = performance.now();
      try {
        return await demo.run(input);
      } finally {
        harnessMs.push(performance.now() - started);
      }
    },
  };
  const registry: AgentRegistry = {
    ...env.deps.registry,
    harness: (name, jobId) => (name === "demo" ? timedDemo : env.deps.registry.harness(name, jobId)),
  };
  const turnMs: number[] = [];
  let requests = 0;
  let cpuMicros = 0;
  for (let index = 0; index < turns; index++) {
    const jobId = `overhead-${index}`;
    await env.deps.store.jobs.putJob(benchJob(jobId), undefined, now);
    let message = "";
    await dispatchFire(
      { version: 1, jobId, scheduledAt: new Date(now).toISOString(), source: "schedule" },
      dispatchDependencies(env, {
        send: async (body) => {
          message = body;
        },
      }),
    );
    env.counter.reset();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const outcome = await runTurn(JSON.parse(message), { ...turnDependencies(env), registry });
    turnMs.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMicros += cpu.user + cpu.system;
    if (outcome.kind !== "ended" || outcome.status !== "succeeded")
      throw new Error(`turn ${index}: ${JSON.stringify(outcome)}`);
    requests += env.counter.total("read") + env.counter.total("write");
  }
  const overhead = turnMs.map((ms, index) => ms - (harnessMs[index] ?? 0));
  return {
    turns,
    turnP50Ms: percentile(turnMs, 50),
    turnP99Ms: percentile(turnMs, 99),
    harnessP50Ms: percentile(harnessMs, 50),
    overheadP50Ms: percentile(overhead, 50),
    overheadP99Ms: percentile(overhead, 99),
    requestsPerTurn: requests / turns,
    cpuMsPerTurn: cpuMicros / 1000 / turns,
  };
}
