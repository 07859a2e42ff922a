// `npm run bench:schedules`: the schedule reconcilers at 10,000 jobs against SDK client mocks that
// throttle a share of the calls, in virtual time (the pacer's token bucket and backoff sleep on a
// virtual clock), so the modelled deploy time and the real CPU time are measured separately.
// Results go to BENCHMARKS.md ("Reconciling schedules at scale").
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createSchedulerSchedules } from "#adapters/eventbridge-scheduler/scheduler-schedules.ts";
import { validateDeployedJobSet } from "#adapters/job-set-file.ts";
import { ManualClock } from "#core/clock.ts";
import { ReconcileIncompleteError } from "#core/schedules/reconcile-incomplete.ts";
import { createFakeScheduler } from "#test/infra/support/fake-scheduler.ts";
import { VirtualTiming } from "#test/support/virtual-timing.ts";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "10000" },
    throttle: { type: "string", default: "0.2" },
    latency: { type: "string", default: "40" },
    rate: { type: "string", default: "50" },
  },
});
const jobCount = Number(values.jobs);
const jobs = validateDeployedJobSet(
  {
    jobs: Array.from({ length: jobCount }, (_, i) => ({
      id: `job-${String(i).padStart(5, "0")}`,
      schedule: `cron(${i % 60} ${i % 24} * * ? *)`,
      timezone: "Europe/Berlin",
      agent: { harness: "demo", prompt: "bench" },
    })),
  },
  "bench",
  "scheduler",
).jobs;

async function pass(label: string, budgetMs?: number) {
  const timing = new VirtualTiming();
  const fake = createFakeScheduler({
    throttleRate: Number(values.throttle),
    seed: 11,
    latencyMs: Number(values.latency),
    timing,
  });
  const reconciler = createSchedulerSchedules({
    client: fake.client,
    stage: "bench",
    firesQueueArn: "arn:aws:sqs:us-east-1:123456789012:agentcron-bench-fires",
    deadLetterQueueArn: "arn:aws:sqs:us-east-1:123456789012:agentcron-bench-fires-dlq",
    executionRoleArn: "arn:aws:iam::123456789012:role/agentcron-bench-scheduler",
    clock: new ManualClock(),
    timing,
    requestsPerSecond: Number(values.rate),
  });
  const results: Record<string, unknown>[] = [];
  for (const phase of ["create", "unchanged"]) {
    const startVirtual = timing.now();
    const startCpu = performance.now();
    let invocations = 0;
    let resumeAfter: string | undefined;
    for (;;) {
      invocations++;
      try {
        await reconciler.reconcile(jobs, {
          deadlineAt: budgetMs ? timing.now() + budgetMs : undefined,
          resumeAfter,
        });
        break;
      } catch (error) {
        if (!(error instanceof ReconcileIncompleteError) || invocations > 100) throw error;
        resumeAfter = error.resumeAfter;
      }
    }
    results.push({
      label,
      phase,
      jobs: jobCount,
      invocations,
      modelledSeconds: Math.round((timing.now() - startVirtual) / 100) / 10,
      cpuSeconds: Math.round((performance.now() - startCpu) / 100) / 10,
      calls: fake.counts.calls,
      throttled: fake.counts.throttled,
      byCommand: { ...fake.counts.byCommand },
    });
  }
  return results;
}

const results = [...(await pass("one invocation")), ...(await pass("60 s invocations", 60_000))];
console.log(JSON.stringify(results, null, 2));
