import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import { METRICS, METRICS_NAMESPACE, RUN_END_METRICS } from "#core/metric-names.ts";
import { agentcronMetric, perJobSearch } from "./metrics.ts";
import { serviceNameOf } from "./naming.ts";
import type { WorkQueue } from "./queues.ts";

export interface AgentcronDashboardProps {
  readonly stage: string;
  /** @example "agentcron-dev" */
  readonly dashboardName: string;
  readonly functions: readonly { readonly name: string; readonly fn: lambda.IFunction }[];
  readonly fires: WorkQueue;
  readonly turns: WorkQueue;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const WIDTH = 24;
const PERIOD = Duration.minutes(5);
const MAX_ALARMS_PER_WIDGET = 100;

/**
 * One dashboard per stage, top to bottom: alarm states; runs by outcome and failure rate per job;
 * fires by outcome and dispatch latency; phase durations; queue depths (DLQs included); the
 * functions' errors, throttles and durations. Per-job graphs use SEARCH, so jobs applied with the
 * CLI after the deployment show up too.
 */
export class AgentcronDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AgentcronDashboardProps) {
    super(scope, id);
    const { stage } = props;
    const allJobs = (metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SUM(SEARCH('{${METRICS_NAMESPACE},jobId,service} MetricName="${metricName}" service="${serviceNameOf(stage)}"', 'Sum', ${PERIOD.toSeconds()}))`,
        label,
        period: PERIOD,
      });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
    });

    // An alarm status widget shows at most 100 alarms: the stage-wide ones first, then per-job ones.
    const shownAlarms = [...props.alarms]
      .sort((a, b) => Number(a.node.id.includes("-job-")) - Number(b.node.id.includes("-job-")))
      .slice(0, MAX_ALARMS_PER_WIDGET);
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
        title: "Runs by outcome (all jobs)",
        left: Object.entries(RUN_END_METRICS).map(([status, metricName]) => allJobs(metricName, status)),
        stacked: true,
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Failure rate per job (% of its window)",
        left: [perJobSearch(stage, METRICS.jobFailureRate, "Maximum")],
        leftYAxis: { min: 0, max: 100, label: "%", showUnits: false },
        width: WIDTH / 2,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Fires by outcome (all jobs)",
        left: [
          allJobs(METRICS.firesDispatched, "dispatched"),
          allJobs(METRICS.firesSkipped, "skipped"),
          allJobs(METRICS.firesBuffered, "buffered"),
          allJobs(METRICS.firesRejected, "rejected"),
        ],
        right: [
          agentcronMetric(stage, METRICS.firesDuplicate, { period: PERIOD }).with({
            label: "duplicate deliveries",
          }),
        ],
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Dispatch latency (scheduled time -> turn queued)",
        left: ["p50", "p90", "Maximum"].map((statistic) =>
          agentcronMetric(stage, METRICS.dispatchLatency, { statistic, period: PERIOD }).with({
            label: statistic,
          }),
        ),
        width: WIDTH / 2,
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Phase durations per job and phase (p90)",
        left: [perJobSearch(stage, METRICS.phaseDuration, "p90", { extraDimensions: ["phase"] })],
        width: WIDTH / 2,
      }),
      new cloudwatch.GraphWidget({
        title: "Skipped fires and lease takeovers per job",
        left: [perJobSearch(stage, METRICS.firesSkipped, "Sum")],
        right: [perJobSearch(stage, METRICS.leaseTakeovers, "Sum")],
        width: WIDTH / 2,
      }),
    );

    const depth = (queue: WorkQueue["queue"], label: string) =>
      queue.metricApproximateNumberOfMessagesVisible({
        statistic: "Maximum",
        period: Duration.minutes(1),
        label,
      });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Queue depth",
        left: [depth(props.fires.queue, "fires"), depth(props.turns.queue, "turns")],
        right: [
          props.fires.queue.metricApproximateAgeOfOldestMessage({
            statistic: "Maximum",
            label: "oldest fire (s)",
          }),
        ],
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
  }
}
