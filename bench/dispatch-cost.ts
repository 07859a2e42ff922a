import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import type { BenchEnvironment } from "./environment.ts";
import { benchJob, dispatchDependencies } from "./fixtures.ts";

export interface DispatchCostResult {
  readonly runs: number;
  readonly readRequestsPerRun: number;
  readonly writeRequestsPerRun: number;
  readonly requestsByOperation: Record<string, number>;
  readonly readCapacityPerRun: number;
  readonly writeCapacityPerRun: number;
  readonly turnMessagesPerRun: number;
}

/**
 * DynamoDB requests per successful run on the dispatch path: fires for free jobs, each becoming a
 * run handed to the turns queue. Job setup is not counted.
 */
export async function measureDispatchCost(env: BenchEnvironment, runs = 200): Promise<DispatchCostResult> {
  const now = env.deps.clock.now();
  for (let index = 0; index < runs; index++)
    await env.deps.store.jobs.putJob(benchJob(`cost-${index}`), undefined, now);
  let handoffs = 0;
  const deps = dispatchDependencies(env, { send: async () => void handoffs++ });
  env.counter.reset();
  for (let index = 0; index < runs; index++) {
    const outcome = await dispatchFire(
      { version: 1, jobId: `cost-${index}`, scheduledAt: new Date(now).toISOString(), source: "schedule" },
      deps,
    );
    if (outcome.kind !== "run") throw new Error(`expected a run, got ${outcome.kind}`);
  }
  return {
    runs,
    readRequestsPerRun: env.counter.total("read") / runs,
    writeRequestsPerRun: env.counter.total("write") / runs,
    requestsByOperation: Object.fromEntries(
      Object.entries(env.counter.snapshot()).map(([op, n]) => [op, n / runs]),
    ),
    readCapacityPerRun: env.counter.readCapacity / runs,
    writeCapacityPerRun: env.counter.writeCapacity / runs,
    turnMessagesPerRun: handoffs / runs,
  };
}
