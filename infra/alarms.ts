import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { JobDefinition } from "#core/jobs/job-schema.ts";
import { METRICS } from "#core/metric-names.ts";
import { agentcronMetric, agentcronMetricTotal } from "./metrics.ts";
import { alarmName, resourceName } from "./naming.ts";
import type { WorkQueue } from "./queues.ts";

/** How a consumer invokes the CLI; every description ends with the first command to run. */
const CLI = "npx agentcron";

/** An alarm as the stack defines it: its stable name says what and, for per-job alarms, which job. */
interface AlarmDefinition {
  readonly what: string;
  readonly jobId?: string;
  /** What it means (one or two sentences) and the first command to run. */
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
}

export interface AgentcronAlarmsProps {
  readonly stage: string;
  readonly topic: sns.ITopic;
  /** The deployed jobs: each gets its alarms, with thresholds from its `alarms` block. */
  readonly jobs: readonly JobDefinition[];
  readonly functions: readonly { readonly name: string; readonly fn: lambda.IFunction }[];
  readonly fires: WorkQueue;
  readonly turns: WorkQueue;
}

/**
 * Every alarm of the stage, each publishing ALARM and OK to the alarm topic. Names are stable
 * (`agentcron-<stage>-<what>[-<jobId>]`, documented in docs/deploy.md); per-job alarms carry the job
 * id in their name, description and `jobId` dimension, so a consumer can tell which job is in trouble.
 */
export class AgentcronAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AgentcronAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const definitions = [
      ...props.jobs.flatMap((job) => jobAlarms(props.stage, job)),
      ...queueAlarms(props.fires, props.turns),
      ...engineAlarms(props.stage),
      ...props.functions.flatMap(({ name, fn }) => functionAlarms(props.stage, name, fn)),
    ];
    for (const definition of definitions) {
      const name = alarmName(props.stage, definition.what, definition.jobId);
      const alarm = new cloudwatch.Alarm(this, name, {
        alarmName: name,
        alarmDescription: `[${name}] ${definition.description}`,
        metric: definition.metric,
        threshold: definition.threshold,
        comparisonOperator: definition.comparison,
        evaluationPeriods: definition.evaluationPeriods ?? 1,
        datapointsToAlarm: definition.evaluationPeriods ?? 1,
        treatMissingData: definition.treatMissingData,
      });
      alarm.addAlarmAction(action);
      // Consumers also learn when the trouble is over.
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    }
  }
}

const AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

/**
 * Per job: failure rate, failure streak, stalled runs, abandoned runs, skipped fires, missing
 * harness. Gauges emitted when a run ends (failure rate, streak) keep their state between runs
 * (missing data: IGNORE); counts clear once a period passes without one (NOT_BREACHING).
 */
export function jobAlarms(stage: string, job: JobDefinition): AlarmDefinition[] {
  const dimensions = { jobId: job.id };
  const perJob = (metricName: string, statistic = cloudwatch.Stats.SUM, period = Duration.minutes(5)) =>
    agentcronMetric(stage, metricName, { dimensions, statistic, period });
  const { failureRateThreshold, failureRateWindow, consecutiveFailures, consecutiveSkips } = job.alarms;
  const percent = Math.round(failureRateThreshold * 100);
  return [
    {
      what: "job-failure-rate",
      jobId: job.id,
      description:
        `Job ${job.id}: ${percent}% or more of its last ${failureRateWindow} runs failed (failed, stalled, ` +
        `timed out or abandoned), even if the latest one passed. First: ${CLI} runs ${job.id} --status failed`,
      metric: perJob(METRICS.jobFailureRate, cloudwatch.Stats.MAXIMUM),
      threshold: percent,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    },
    {
      what: "job-consecutive-failures",
      jobId: job.id,
      description:
        `Job ${job.id}: its last ${consecutiveFailures} runs in a row failed. ` +
        `First: ${CLI} runs ${job.id} --status failed, then ${CLI} inspect <runId> on the newest`,
      metric: perJob(METRICS.consecutiveFailures, cloudwatch.Stats.MAXIMUM),
      threshold: consecutiveFailures,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    },
    {
      what: "job-stalled",
      jobId: job.id,
      description:
        `Job ${job.id}: a run stalled - a phase passed its deadline and the sweeper ended the run; its ` +
        `diagnostic names the phase and the plugin in flight. First: ${CLI} runs ${job.id} --status stalled, ` +
        `then ${CLI} inspect <runId>`,
      metric: perJob(METRICS.runsStalled),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      what: "job-abandoned",
      jobId: job.id,
      description:
        `Job ${job.id}: a run was abandoned - its lease expired without heartbeats (the turn crashed, ` +
        `timed out or was killed) and the sweeper freed the job. First: ${CLI} runs ${job.id} --status abandoned, ` +
        `then ${CLI} inspect <runId>`,
      metric: perJob(METRICS.runsAbandoned),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      what: "job-skipped-fires",
      jobId: job.id,
      description:
        `Job ${job.id}: ${consecutiveSkips} or more fires in a row were skipped because a run was still going ` +
        `(overlap policy "skip"): the job is not running on schedule. First: ${CLI} jobs show ${job.id}`,
      // Dispatch emits the streak from the job's stats on every skip, and 0 when a fire runs.
      metric: perJob(METRICS.consecutiveSkips, cloudwatch.Stats.MAXIMUM),
      threshold: consecutiveSkips,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      what: "job-harness-missing",
      jobId: job.id,
      description:
        `Job ${job.id}: its harness "${job.agent.harness}" is not registered in this deployment, so every run ` +
        `fails before it starts (HarnessNotRegistered). First: ${CLI} jobs show ${job.id}, then ${CLI} doctor`,
      metric: perJob(METRICS.harnessNotRegistered),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
  ];
}

/** Dead letters on either queue, and fires waiting too long for dispatch. */
function queueAlarms(fires: WorkQueue, turns: WorkQueue): AlarmDefinition[] {
  const deadLetters = (role: "fires" | "turns", queue: WorkQueue): AlarmDefinition => ({
    what: `${role}-dlq-not-empty`,
    description: `The ${role} dead-letter queue holds messages: ${
      role === "fires"
        ? "poison fire messages, fires that failed dispatch 5 times, or scheduled events EventBridge could not deliver"
        : "poison turn messages or turns that failed 3 times"
    }. They are kept 14 days. First: ${CLI} dlq list ${role}`,
    metric: queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparison: AT_LEAST,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return [
    deadLetters("fires", fires),
    deadLetters("turns", turns),
    {
      what: "fires-delayed",
      description:
        `Fires have waited 5 minutes or more on the fires queue: dispatch is not keeping up (throttled, failing ` +
        `or at its maximum concurrency) and runs start late. First: ${CLI} doctor`,
      metric: fires.queue.metricApproximateAgeOfOldestMessage({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 300,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
  ];
}

/** The engine as a whole: rejected fires, poison messages, and the sweeper's heartbeat. */
function engineAlarms(stage: string): AlarmDefinition[] {
  return [
    {
      what: "fires-rejected",
      description:
        `A fire was rejected and did not run: its job was invalid (or missing) when it fired; the fire record ` +
        `names the validation problem and its path. First: ${CLI} doctor, then ${CLI} jobs show <jobId>`,
      // Every job, including ones applied with the CLI after this deployment.
      metric: agentcronMetricTotal(stage, METRICS.firesRejected, ["jobId"]),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      what: "poison-messages",
      description:
        `A queue message could never be processed (not JSON, wrong shape) and was moved to its dead-letter queue ` +
        `with the reason. First: ${CLI} dlq list fires (and ${CLI} dlq list turns)`,
      metric: agentcronMetricTotal(stage, METRICS.poisonMessages, ["consumer"]),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      what: "sweeper-not-running",
      description:
        `No sweep has completed for 5 minutes: stalled runs are not ended, expired leases not freed and buffered ` +
        `fires not drained. First: ${CLI} doctor (then check the ${resourceName(stage, "sweep")} rule and function)`,
      metric: agentcronMetric(stage, METRICS.sweepsCompleted, { period: Duration.minutes(1) }),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // The metric's absence is the symptom: no sweep, no data point.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    },
  ];
}

/** Invocation errors (crashes, timeouts, out of memory, bad configuration) and throttles. */
function functionAlarms(stage: string, name: string, fn: lambda.IFunction): AlarmDefinition[] {
  const period = Duration.minutes(5);
  return [
    {
      what: `${name}-errors`,
      description:
        `The ${name} function failed invocations (a crash, timeout, out-of-memory or configuration error - not ` +
        `a failed run, which is recorded and alarmed per job). First: ${CLI} doctor, then the logs in ` +
        `/aws/lambda/${resourceName(stage, name)}`,
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
    {
      what: `${name}-throttles`,
      description:
        `The ${name} function was throttled: the account's concurrency is used up or its limit is too low, so ` +
        `work waits on the queue. First: ${CLI} doctor`,
      metric: fn.metricThrottles({ statistic: cloudwatch.Stats.SUM, period }),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    },
  ];
}
