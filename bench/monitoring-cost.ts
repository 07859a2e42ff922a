// `npx tsx bench/monitoring-cost.ts [--jobs-file jobs.json]`: what CloudWatch monitoring costs per job
// per month, before (one alarm set and metric series per job) and after (stage-wide alarms, job
// health in the app, per-job series optional). The metric series and EMF bytes a job produces are
// measured by running real runs (dispatch + turn on the demo harness, on the embedded emulators);
// the alarms are counted in the synthesised stack. Prints Markdown for BENCHMARKS.md.
import { readFileSync } from "node:fs";
import { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import type { MetricUnit as PowertoolsUnit } from "@aws-lambda-powertools/metrics/types";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { validateDeployedJobSet } from "#adapters/job-set-file.ts";
import { dimensionSetsOf } from "#adapters/metrics/emf-metrics.ts";
import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { fireKeyOf } from "#core/fires/fire-message.ts";
import { METRICS, METRICS_NAMESPACE } from "#core/metric-names.ts";
import { RecordingMetrics } from "#core/recording/recording-metrics.ts";
import { PHASES } from "#core/runs/run-record.ts";
import { runTurn } from "#core/turn/run-turn.ts";
import { dispatchDependenciesOf, turnDependenciesOf } from "#functions/commons/wiring.ts";
import { addAgentcronStack } from "#infra/agentcron-app.ts";
import { startBenchEnvironment } from "./environment.ts";
import { benchJob } from "./fixtures.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * CloudWatch and DynamoDB list prices, us-east-1, as of 2026-11-29 (https://aws.amazon.com/cloudwatch/pricing/,
 * https://aws.amazon.com/dynamodb/pricing/on-demand/). The account-wide free tier (10 metrics, 10
 * standard alarm metrics, 5 GB of logs) is left out: other workloads share it.
 */
export const PRICES = {
  /** Custom metrics, per metric-month, tiered by the account's total; prorated by the hour. */
  metricTiers: [
    { upTo: 10_000, price: 0.3 },
    { upTo: 250_000, price: 0.1 },
    { upTo: 1_000_000, price: 0.05 },
    { upTo: Number.POSITIVE_INFINITY, price: 0.02 },
  ],
  /** Standard-resolution alarm, per metric it reads, per month (a math alarm pays for each metric). */
  standardAlarmMetric: 0.1,
  /** Alarm on a Metrics Insights query, per metric the query analyses, per month (no free tier). */
  metricsInsightsAlarmMetric: 0.1,
  /** Custom dashboard, per month (beyond 3 per account). */
  dashboard: 3,
  /** Logs ingested (standard class), per GB: EMF lines are log lines. */
  logIngestionPerGb: 0.5,
  /** DynamoDB on-demand, per million read request units. */
  dynamoReadPerMillion: 0.125,
} as const;

/** A job on the demo harness that fires every 30 minutes: it publishes in every hour of the month. */
const RUNS_PER_MONTH = 2 * 24 * 30;
const FLEETS = [10, 100, 10_000] as const;

/** The alarms agentcron created before this change (at 1a70396): six per job, fourteen per stage. */
const BEFORE = {
  alarmsPerJob: 6,
  stageStandardAlarmMetrics: 12,
  /** fires-rejected and poison-messages summed series with Metrics Insights. */
  stageInsightsMetrics: 2,
  /** Series without a job: FiresDuplicate, DispatchLatency, SweepsCompleted, PoisonMessages × 2 consumers. */
  stageSeries: 5,
  /** CloudFormation's limit; 76 jobs made 504. */
  stackResourceLimit: 500,
  /** Metrics this change added: not part of the "before" emission. */
  newMetrics: new Set<string>([METRICS.failedRunRatio, METRICS.unhealthyJobs]),
};

/**
 * Stage-wide series after: every metric name once, PhaseDuration per phase, PoisonMessages per
 * consumer — an upper bound (a quiet stage publishes fewer; the measured runs published
 * `afterSeries.stage`).
 */
const AFTER_STAGE_SERIES = Object.keys(METRICS).length + PHASES.length + 2;

interface Emission {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly dimensions: Record<string, string>;
}

const env = await startBenchEnvironment();
let invocations: Emission[][] = [];
try {
  const jobId = "inbox-triage";
  const now = env.deps.clock.now();
  await env.deps.store.jobs.putJob(benchJob(jobId), undefined, now);
  for (let run = 0; run < 3; run++) {
    const dispatchMetrics = new RecordingMetrics();
    const fire = {
      version: 1 as const,
      jobId,
      scheduledAt: new Date(now + run * 1_800_000).toISOString(),
      source: "schedule" as const,
    };
    const outcome = await dispatchFire(fire, {
      ...dispatchDependenciesOf(env.deps),
      metrics: dispatchMetrics,
    });
    if (outcome.kind !== "run") throw new Error(`expected a run, got ${outcome.kind}`);
    const turnMetrics = new RecordingMetrics();
    await runTurn(
      { version: 1, jobId, runId: outcome.runId, fireKey: fireKeyOf(fire) },
      { ...turnDependenciesOf(env.deps), metrics: turnMetrics },
    );
    invocations.push(dispatchMetrics.recorded, turnMetrics.recorded);
  }
} finally {
  await env.stop();
}
invocations = invocations.filter((metrics) => metrics.length > 0);
const runs = 3;

/** Distinct series (metric + dimension set) under a projection of each emission's dimensions. */
function seriesOf(
  project: (dimensions: Record<string, string>) => Record<string, string>[],
  emissions: readonly Emission[] = invocations.flat(),
) {
  const perJob = new Set<string>();
  const stage = new Set<string>();
  for (const emission of emissions) {
    for (const set of project(emission.dimensions)) {
      const key = `${emission.name} ${JSON.stringify(Object.entries(set).sort())}`;
      ("jobId" in set ? perJob : stage).add(key);
    }
  }
  return { perJob: perJob.size, stage: stage.size };
}
const beforeSeries = seriesOf(
  (dimensions) => [dimensions],
  invocations.flat().filter((emission) => !BEFORE.newMetrics.has(emission.name)),
);
const afterSeries = seriesOf((dimensions) => dimensionSetsOf(dimensions, false));
const perJobSeries = seriesOf((dimensions) => dimensionSetsOf(dimensions, true));

/** Bytes of EMF written for the measured runs, per run, with each invocation flushed once. */
function emfBytesPerRun(
  dimensionSets: (dimensions: Record<string, string>) => Record<string, string>[],
  include: (emission: Emission) => boolean = () => true,
) {
  let bytes = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    bytes += Buffer.byteLength(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    for (const invocation of invocations) {
      const groups = new Map<string, Emission[]>();
      for (const emission of invocation.filter(include)) {
        const key = JSON.stringify(Object.entries(emission.dimensions).sort());
        groups.set(key, [...(groups.get(key) ?? []), emission]);
      }
      for (const group of groups.values()) {
        const emitter = new PowertoolsMetrics({
          namespace: METRICS_NAMESPACE,
          serviceName: "agentcron-prod",
        });
        for (const set of dimensionSets(group[0]?.dimensions ?? {})) emitter.addDimensions(set);
        for (const emission of group)
          emitter.addMetric(emission.name, emission.unit as PowertoolsUnit, emission.value);
        emitter.publishStoredMetrics();
      }
    }
  } finally {
    process.stdout.write = write;
  }
  return bytes / runs;
}
const emfBefore = emfBytesPerRun(
  (dimensions) => [dimensions],
  (emission) => !BEFORE.newMetrics.has(emission.name),
);
const emfAfter = emfBytesPerRun((dimensions) => dimensionSetsOf(dimensions, false));

/** The stack's alarms: how many, and the metrics they read (standard, and analysed by Metrics Insights). */
function countAlarms() {
  const context = (
    JSON.parse(readFileSync(new URL("../cdk.json", import.meta.url), "utf8")) as {
      context: Record<string, unknown>;
    }
  ).context;
  const app = new App({ context: { ...context, "aws:cdk:bundling-stacks": [] } });
  const jobs = Array.from({ length: 10 }, (_, index) => benchJob(`job-${index}`));
  const stack = addAgentcronStack(app, {
    stage: "prod",
    nag: false,
    jobSet: validateDeployedJobSet({ jobs }),
  });
  const alarms = Object.values(Template.fromStack(stack).findResources("AWS::CloudWatch::Alarm"));
  let standardMetrics = 0;
  let insightsAlarms = 0;
  for (const alarm of alarms) {
    const queries = (alarm.Properties.Metrics ?? []) as { MetricStat?: unknown; Expression?: string }[];
    if (queries.some((query) => query.Expression?.startsWith("SELECT"))) insightsAlarms += 1;
    else standardMetrics += queries.length > 0 ? queries.filter((query) => query.MetricStat).length : 1;
  }
  return { alarms: alarms.length, standardMetrics, insightsAlarms };
}
const after = countAlarms();

function metricsCost(series: number): number {
  let cost = 0;
  let from = 0;
  for (const tier of PRICES.metricTiers) {
    const inTier = Math.max(0, Math.min(series, tier.upTo) - from);
    cost += inTier * tier.price;
    from = tier.upTo;
    if (series <= from) break;
  }
  return cost;
}

const logsPerJob = (bytesPerRun: number) => ((bytesPerRun * RUNS_PER_MONTH) / 1e9) * PRICES.logIngestionPerGb;
const healthReadsPerJob = (RUNS_PER_MONTH / 1e6) * PRICES.dynamoReadPerMillion;
// The sweeper counts the unhealthy jobs every minute: one Query of a small partition.
const sweeperCountReads = ((60 * 24 * 30) / 1e6) * PRICES.dynamoReadPerMillion;

function costs(jobs: number) {
  const before =
    metricsCost(BEFORE.stageSeries + jobs * beforeSeries.perJob) +
    (BEFORE.stageStandardAlarmMetrics + jobs * BEFORE.alarmsPerJob) * PRICES.standardAlarmMetric +
    BEFORE.stageInsightsMetrics * PRICES.metricsInsightsAlarmMetric +
    PRICES.dashboard +
    jobs * logsPerJob(emfBefore);
  // The rules backend's Metrics Insights alarm analyses FailedInvocations series, which EventBridge
  // publishes only when a rule fails: normally none.
  const fixedAfter =
    after.standardMetrics * PRICES.standardAlarmMetric + PRICES.dashboard + sweeperCountReads;
  const afterDefault =
    metricsCost(AFTER_STAGE_SERIES) + fixedAfter + jobs * (logsPerJob(emfAfter) + healthReadsPerJob);
  const afterPerJob =
    metricsCost(AFTER_STAGE_SERIES + jobs * perJobSeries.perJob) +
    fixedAfter +
    jobs * (logsPerJob(emfAfter) + healthReadsPerJob);
  return {
    jobs,
    before: before / jobs,
    beforeDeploys: BEFORE.alarmsPerJob * jobs + 60 <= BEFORE.stackResourceLimit,
    afterDefault: afterDefault / jobs,
    afterPerJob: afterPerJob / jobs,
  };
}

const money = (value: number) => (value >= 0.1 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`);
const lines = [
  "| jobs | before (6 alarms + per-job series each) | after, default (`perJobMetrics` off) | after, `-c perJobMetrics=true` |",
  "| --- | --- | --- | --- |",
  ...FLEETS.map(costs).map(
    (row) =>
      `| ${row.jobs.toLocaleString("en-US")} | ${money(row.before)}${row.beforeDeploys ? "" : " (does not deploy)"} | **${money(row.afterDefault)}** | ${money(row.afterPerJob)} |`,
  ),
];
console.log(
  JSON.stringify(
    {
      measuredSeries: { before: beforeSeries, after: afterSeries, afterWithPerJobMetrics: perJobSeries },
      stageSeriesUsed: { before: BEFORE.stageSeries, after: AFTER_STAGE_SERIES },
      emfBytesPerRun: { before: Math.round(emfBefore), after: Math.round(emfAfter) },
      alarms: after,
      fixedPerStageAfter: {
        alarms: after.standardMetrics * PRICES.standardAlarmMetric,
        metrics: metricsCost(AFTER_STAGE_SERIES),
        dashboard: PRICES.dashboard,
        sweeperCountReads,
      },
      perJobAfter: { logs: logsPerJob(emfAfter), healthReads: healthReadsPerJob },
    },
    null,
    2,
  ),
);
console.log(lines.join("\n"));
