import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { METRICS, RUN_END_METRICS } from "#core/metric-names.ts";
import { PHASES } from "#core/runs/run-record.ts";
import { agentcronMetric, perJobSearch } from "./metrics.ts";
import type { WorkQueue } from "./queues.ts";

export interface AgentcronDashboardProps {
  readonly stage: string;
  /** @example "agentcron-dev" */
  readonly dashboardName: string;
  readonly functions: readonly { readonly name: string; readonly fn: lambda.IFunction }[];
  readonly fires: WorkQueue;
  readonly turns: WorkQueue;
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * The stage publishes per-job series: add the per-job graphs (they would be empty otherwise).
   * @default false
   */
  readonly perJobMetrics?: boolean;
}

const WIDTH = 24;
const PERIOD = Duration.minutes(5);
const MAX_ALARMS_PER_WIDGET = 100;

/**
 * One dashboard per stage, top to bottom: alarm states; job health (unhealthy jobs, the share of
 * runs that failed); runs and fires by outcome, dispatch latency, phase durations — all stage-wide,
 * so the dashboard is the same size for 10 jobs or 10,000; queue depths and ages (DLQs included);
 * the functions' errors, throttles and durations. With `perJobMetrics`, a last row graphs each job.
 * Which job is in trouble is the CLI's to say (`agentcron jobs list --unhealthy`).
 */
export class AgentcronDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AgentcronDashboardProps) {
    super(scope, id);
    const { stage } = props;
    const stageWide = (metricName: string, label: string, statistic: string = cloudwatch.Stats.SUM) =>
      agentcronMetric(stage, metricName, { statistic, period: PERIOD }).with({ label });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
    });

    const shownAlarms = props.alarms.slice(0, MAX_ALARMS_PER_WIDGET);
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: "Alarms",
        alarms: shownAlarms,
        width: WIDTH,
        height: Math.min(12, 2 + Math.ceil(shownAlarms.length / 4)),
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Unhealthy jobs (agentcron jobs list --unhealthy names them)",
        left: [
          agentcronMetric(stage, METRICS.unhealthyJobs, {
            statistic: cloudwatch.Stats.MAXIMUM,
            period: Duration.minutes(1),
          }).with({ label: "unhealthy jobs" }),
        ],
        leftYAxis: { min: 0 },
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Share of runs that failed (%) and runs ended",
        left: [
          new cloudwatch.MathExpression({
            expression: "100 * share",
            usingMetrics: { share: stageWide(METRICS.failedRunRatio, "share", cloudwatch.Stats.AVERAGE) },
            period: PERIOD,
            label: "failed (%)",
          }),
        ],
        leftYAxis: { min: 0, max: 100, label: "%", showUnits: false },
        right: [stageWide(METRICS.failedRunRatio, "runs ended", cloudwatch.Stats.SAMPLE_COUNT)],
        width: WIDTH / 2,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Runs by outcome",
        left: [
          ...Object.entries(RUN_END_METRICS).map(([status, metricName]) => stageWide(metricName, status)),
          stageWide(METRICS.runsNotStarted, "not started"),
        ],
        stacked: true,
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Fires by outcome",
        left: [
          stageWide(METRICS.firesDispatched, "dispatched"),
          stageWide(METRICS.firesSkipped, "skipped"),
          stageWide(METRICS.firesBuffered, "buffered"),
          stageWide(METRICS.firesRejected, "rejected"),
          stageWide(METRICS.firesMissed, "missed"),
        ],
        right: [stageWide(METRICS.firesDuplicate, "duplicate deliveries")],
        width: WIDTH / 2,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Dispatch latency (scheduled time -> turn queued)",
        left: ["p50", "p90", "Maximum"].map((statistic) =>
          stageWide(METRICS.dispatchLatency, statistic, statistic),
        ),
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Phase durations (p90)",
        left: PHASES.map((phase) =>
          agentcronMetric(stage, METRICS.phaseDuration, {
            dimensions: { phase },
            statistic: "p90",
            period: PERIOD,
          }).with({ label: phase }),
        ),
        width: WIDTH / 2,
      }),
    );

    const depth = (queue: WorkQueue["queue"], label: string) =>
      queue.metricApproximateNumberOfMessagesVisible({
        statistic: "Maximum",
        period: Duration.minutes(1),
        label,
      });
    const oldest = (queue: WorkQueue["queue"], label: string) =>
      queue.metricApproximateAgeOfOldestMessage({ statistic: "Maximum", period: Duration.minutes(1), label });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Queue depth, and age of the oldest message (s)",
        left: [depth(props.fires.queue, "fires"), depth(props.turns.queue, "turns")],
        right: [oldest(props.fires.queue, "oldest fire"), oldest(props.turns.queue, "oldest turn")],
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Dead-letter queues",
        left: [
          depth(props.fires.deadLetterQueue, "fires DLQ"),
          depth(props.turns.deadLetterQueue, "turns DLQ"),
        ],
        right: [
          agentcronMetric(stage, METRICS.sweepsCompleted, { period: Duration.minutes(1) }).with({
            label: "sweeps",
          }),
        ],
        width: WIDTH / 2,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Lambda errors and throttles",
        left: props.functions.map(({ name, fn }) =>
          fn.metricErrors({ label: `${name} errors`, period: PERIOD }),
        ),
        right: props.functions.map(({ name, fn }) =>
          fn.metricThrottles({ label: `${name} throttles`, period: PERIOD }),
        ),
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Lambda duration (p90)",
        left: props.functions.map(({ name, fn }) =>
          fn.metricDuration({ statistic: "p90", label: name, period: PERIOD }),
        ),
        width: WIDTH / 2,
      }),
    );

    if (props.perJobMetrics) {
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: "Failure rate per job (% of its window)",
          left: [perJobSearch(stage, METRICS.jobFailureRate, "Maximum")],
          leftYAxis: { min: 0, max: 100, label: "%", showUnits: false },
          width: WIDTH / 3,
        }),
        new cloudwatch.GraphWidget({
          title: "Phase durations per job and phase (p90)",
          left: [perJobSearch(stage, METRICS.phaseDuration, "p90", { extraDimensions: ["phase"] })],
          width: WIDTH / 3,
        }),
        new cloudwatch.GraphWidget({
          title: "Skipped fires and lease takeovers per job",
          left: [perJobSearch(stage, METRICS.firesSkipped, "Sum")],
          right: [perJobSearch(stage, METRICS.leaseTakeovers, "Sum")],
          width: WIDTH / 3,
        }),
      );
    }
  }
}
