import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import type { DeployedScheduleBackend } from "#core/jobs/schedule-backend.ts";
import { METRICS } from "#core/metric-names.ts";
import { OPERATOR_CLI as CLI } from "#core/stats/job-health.ts";
import { agentcronMetric } from "./metrics.ts";
import { alarmName, resourceName, scheduleGroupNameOf } from "./naming.ts";
import type { WorkQueue } from "./queues.ts";

/** An alarm as the stack defines it: its stable name says what it watches. */
interface AlarmDefinition {
  readonly what: string;
  /** What it means (one or two sentences) and the first command to run. */
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default evaluationPeriods (all of them must breach) */
  readonly datapointsToAlarm?: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
}

export interface AgentcronAlarmsProps {
  readonly stage: string;
  readonly topic: sns.ITopic;
  readonly functions: readonly { readonly name: string; readonly fn: lambda.IFunction }[];
  readonly fires: WorkQueue;
  readonly turns: WorkQueue;
  readonly table: dynamodb.ITable;
  /** The turn function's timeout: a turn's message stays in the queue, ageing, while the turn runs. */
  readonly turnTimeout: Duration;
  /** @default "rules" */
  readonly schedules?: DeployedScheduleBackend;
}

/**
 * Every alarm of the stage, each publishing ALARM and OK to the alarm topic. There is no alarm per
 * job (DESIGN invariant 13: the stack's size and monitoring cost do not grow with the jobs): a job's
 * own trouble is judged in the app from its stats (core/stats/job-health.ts) — a message naming the
 * job, the reason and the first command goes to the same topic on each change — and the stage-wide
 * `jobs-unhealthy` alarm counts the unhealthy jobs. Names are stable (`agentcron-<stage>-<what>`,
 * listed in docs/deploy.md) and every description ends with the first command to run.
 */
export class AgentcronAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AgentcronAlarmsProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const definitions = [
      ...fleetAlarms(props.stage),
      ...engineAlarms(props.stage),
      ...queueAlarms(props.fires, props.turns, props.turnTimeout),
      scheduleAlarm(props.stage, props.schedules ?? "rules"),
      tableAlarm(props.table),
      ...props.functions.flatMap(({ name, fn }) => functionAlarms(props.stage, name, fn)),
    ];
    for (const definition of definitions) {
      const name = alarmName(props.stage, definition.what);
      const evaluationPeriods = definition.evaluationPeriods ?? 1;
      const alarm = new cloudwatch.Alarm(this, name, {
        alarmName: name,
        alarmDescription: `[${name}] ${definition.description}`,
        metric: definition.metric,
        threshold: definition.threshold,
        comparisonOperator: definition.comparison,
        evaluationPeriods,
        datapointsToAlarm: definition.datapointsToAlarm ?? evaluationPeriods,
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
const NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING;

/** Runs in the window before the stage's failed share counts: one failure of one run is not a trend. */
export const STAGE_FAILURE_MIN_RUNS = 10;
/** The stage's failed share that raises `runs-failing`, in percent. */
export const STAGE_FAILURE_PERCENT = 50;

/**
 * The jobs as a fleet: how many are unhealthy (judged per job in the app), and the stage's share of
 * failed runs — only once enough runs ended for it to mean something.
 */
function fleetAlarms(stage: string): AlarmDefinition[] {
  const failed = (statistic: string) =>
    agentcronMetric(stage, METRICS.failedRunRatio, { statistic, period: Duration.minutes(15) });
  return [
    {
      what: "jobs-unhealthy",
      description:
        "One or more jobs are unhealthy: too many of their last runs failed, their last runs failed in a row, none " +
        "of their last runs completed (cancelled, not started, failed), or their fires keep being skipped. Each " +
        `job's change was sent to this topic with the job, the reason and the command to run. First: ${CLI} jobs list --unhealthy`,
      // The sweeper publishes the count every minute, from the table's health records.
      metric: agentcronMetric(stage, METRICS.unhealthyJobs, {
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparison: AT_LEAST,
      // No count means no sweep, which sweeper-not-running reports; the last count stands meanwhile.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    },
    {
      what: "runs-failing",
      description:
        `${STAGE_FAILURE_PERCENT}% or more of the stage's runs in the last 15 minutes failed (counted once ` +
        `${STAGE_FAILURE_MIN_RUNS} runs or more ended): something many jobs share is failing — a model provider, ` +
        `credentials, a plugin's server. First: ${CLI} jobs list --unhealthy, then ${CLI} runs <jobId> --status failed`,
      metric: new cloudwatch.MathExpression({
        expression: `IF(ended >= ${STAGE_FAILURE_MIN_RUNS}, 100 * share, 0)`,
        usingMetrics: {
          share: failed(cloudwatch.Stats.AVERAGE),
          ended: failed(cloudwatch.Stats.SAMPLE_COUNT),
        },
        period: Duration.minutes(15),
        label: "failed runs (%)",
      }),
      threshold: STAGE_FAILURE_PERCENT,
      comparison: AT_LEAST,
      treatMissingData: NOT_BREACHING,
    },
  ];
}

/** Outcomes that are news however rare: each is the first of its kind in 5 minutes. */
function engineAlarms(stage: string): AlarmDefinition[] {
  const count = (metricName: string) => agentcronMetric(stage, metricName, { period: Duration.minutes(5) });
  const firstOf = (what: string, metricName: string, description: string): AlarmDefinition => ({
    what,
    description,
    metric: count(metricName),
    threshold: 1,
    comparison: AT_LEAST,
    treatMissingData: NOT_BREACHING,
  });
  return [
    firstOf(
      "runs-not-started",
      METRICS.runsNotStarted,
      "A queued run could not begin before its start deadline (the turns queue was backed up, or its turn kept " +
        `failing before it began); the run record says why. First: ${CLI} doctor`,
    ),
    firstOf(
      "fires-missed",
      METRICS.firesMissed,
      "A job's fire came too late to run, or never came (its schedule is missing, disabled or cannot reach the " +
        `fires queue); the fire record says which. First: ${CLI} doctor`,
    ),
    firstOf(
      "harness-missing",
      METRICS.harnessNotRegistered,
      "A job names a harness this deployment does not register, so each of its runs fails before it starts " +
        `(HarnessNotRegisteredError). First: ${CLI} doctor, then ${CLI} jobs show <jobId>`,
    ),
    firstOf(
      "fires-rejected",
      METRICS.firesRejected,
      "A fire was rejected and did not run: its job was invalid (or missing) when it fired; the fire record names " +
        `the validation problem and its path. First: ${CLI} doctor, then ${CLI} jobs show <jobId>`,
    ),
    firstOf(
      "poison-messages",
      METRICS.poisonMessages,
      "A queue message could never be processed (not JSON, wrong shape) and was moved to its dead-letter queue " +
        `with the reason. First: ${CLI} dlq list fires (and ${CLI} dlq list turns)`,
    ),
    {
      what: "sweeper-not-running",
      description:
        "No sweep has completed for 5 minutes: stalled runs are not ended, expired leases not freed, buffered " +
        `fires not drained, unhealthy jobs not counted. First: ${CLI} doctor (then check the ` +
        `${resourceName(stage, "sweep")} rule and function)`,
      metric: agentcronMetric(stage, METRICS.sweepsCompleted, { period: Duration.minutes(1) }),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      // The metric's absence is the symptom: no sweep, no data point.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    },
  ];
}

/** Seconds a message may wait on the turns queue beyond the longest turn before backlog is news. */
export const TURNS_BACKLOG_SECONDS = 300;

/**
 * Dead letters on either queue — present, and arriving again — and work waiting too long for
 * dispatch or for a turn.
 */
function queueAlarms(fires: WorkQueue, turns: WorkQueue, turnTimeout: Duration): AlarmDefinition[] {
  const depth = (queue: WorkQueue["deadLetterQueue"], period: Duration) =>
    queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period });
  const contents = {
    fires:
      "poison fire messages, fires that failed dispatch 5 times, or scheduled events the schedules could not deliver",
    turns: "poison turn messages or turns that failed 3 times",
  };
  const deadLetterAlarms = (role: "fires" | "turns", queue: WorkQueue): AlarmDefinition[] => [
    {
      what: `${role}-dlq-not-empty`,
      description: `The ${role} dead-letter queue holds messages: ${contents[role]}. They are kept 14 days. First: ${CLI} dlq list ${role}`,
      metric: depth(queue.deadLetterQueue, Duration.minutes(1)),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: NOT_BREACHING,
    },
    {
      // A state alarm notifies once, when the first message arrives; this one notifies again for
      // every new batch of dead letters after 5 quiet minutes, while the queue is not emptied.
      what: `${role}-dlq-growing`,
      description: `New messages reached the ${role} dead-letter queue in the last 5 minutes (${contents[role]}); it notifies again whenever more arrive after a quiet spell. First: ${CLI} dlq list ${role}`,
      metric: new cloudwatch.MathExpression({
        expression: "DIFF(depth)",
        usingMetrics: { depth: depth(queue.deadLetterQueue, Duration.minutes(5)) },
        period: Duration.minutes(5),
        label: `${role} DLQ new messages`,
      }),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: NOT_BREACHING,
    },
  ];
  const oldest = (queue: WorkQueue["queue"]) =>
    queue.metricApproximateAgeOfOldestMessage({
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    });
  // A turn's message is not deleted until its turn returns, so it ages while the turn runs: only an
  // age beyond the longest possible turn means messages are waiting for a turn to take them.
  const turnsThreshold = turnTimeout.toSeconds() + TURNS_BACKLOG_SECONDS;
  return [
    ...deadLetterAlarms("fires", fires),
    ...deadLetterAlarms("turns", turns),
    {
      what: "fires-delayed",
      description:
        "Fires have waited 5 minutes or more on the fires queue: dispatch is not keeping up (throttled, failing " +
        `or at its maximum concurrency) and runs start late. First: ${CLI} doctor`,
      metric: oldest(fires.queue),
      threshold: 300,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      treatMissingData: NOT_BREACHING,
    },
    {
      what: "turns-delayed",
      description:
        `A turn message has waited ${Math.round(turnsThreshold / 60)} minutes or more (the longest turn, ` +
        `${turnTimeout.toSeconds()} s, plus ${TURNS_BACKLOG_SECONDS / 60} minutes): more runs are due than the turn ` +
        "concurrency can take, or the turn function is throttled or failing. Queued runs start late, or not at all " +
        `past their start deadline. First: ${CLI} doctor`,
      metric: oldest(turns.queue),
      threshold: turnsThreshold,
      comparison: AT_LEAST,
      evaluationPeriods: 3,
      treatMissingData: NOT_BREACHING,
    },
  ];
}

/**
 * The schedules' deliveries to the fires queue that failed for good: EventBridge rules'
 * `FailedInvocations`, or EventBridge Scheduler's target errors and dropped invocations in the
 * stage's schedule group. One alarm, whichever backend the stage uses.
 */
function scheduleAlarm(stage: string, backend: DeployedScheduleBackend): AlarmDefinition {
  const period = Duration.minutes(5);
  const shared =
    "The events go to the fires dead-letter queue (with the error) when they can; a job whose fire is lost is " +
    `also reported as a missed fire. First: ${CLI} doctor, then ${CLI} dlq list fires`;
  if (backend === "scheduler") {
    const scheduler = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: "AWS/Scheduler",
        metricName,
        dimensionsMap: { ScheduleGroup: scheduleGroupNameOf(stage) },
        statistic: cloudwatch.Stats.SUM,
        period,
      });
    return {
      what: "schedule-target-failures",
      description:
        `EventBridge Scheduler could not deliver schedules of group ${scheduleGroupNameOf(stage)} to the fires ` +
        `queue (target errors, or invocations dropped after the retry policy). ${shared}`,
      metric: new cloudwatch.MathExpression({
        expression: "FILL(errors, 0) + FILL(dropped, 0)",
        usingMetrics: {
          errors: scheduler("TargetErrorCount"),
          dropped: scheduler("InvocationDroppedCount"),
        },
        period,
        label: "failed schedule deliveries",
      }),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: NOT_BREACHING,
    };
  }
  return {
    what: "schedule-target-failures",
    description:
      "EventBridge rules failed to deliver scheduled events for good (FailedInvocations). Rule metrics carry only " +
      "the rule's name and Metrics Insights cannot filter on a name prefix, so this counts every rule on the " +
      `default bus of this account and region, not only ac-${stage}-*. ${shared}`,
    metric: new cloudwatch.MathExpression({
      expression: `SELECT SUM(FailedInvocations) FROM SCHEMA("AWS/Events", RuleName)`,
      period,
      label: "failed rule invocations",
    }),
    threshold: 1,
    comparison: AT_LEAST,
    treatMissingData: NOT_BREACHING,
  };
}

/**
 * The table throttling requests, minute after minute. The SDK retries a throttled request and a run
 * write retries again, so a burst is absorbed; 3 minutes of the last 5 with throttling are not.
 */
function tableAlarm(table: dynamodb.ITable): AlarmDefinition {
  const events = (metricName: string) =>
    table.metric(metricName, { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) });
  return {
    what: "table-throttled",
    description:
      "The table throttled reads or writes in 3 of the last 5 minutes (a hot job partition, or the account's " +
      "on-demand limits): run writes retry and slow down, and past their budget a run says the store was " +
      `unavailable. First: ${CLI} doctor, then the table's CloudWatch metrics`,
    metric: new cloudwatch.MathExpression({
      expression: "FILL(reads, 0) + FILL(writes, 0)",
      usingMetrics: { reads: events("ReadThrottleEvents"), writes: events("WriteThrottleEvents") },
      period: Duration.minutes(1),
      label: "throttle events",
    }),
    threshold: 1,
    comparison: AT_LEAST,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: NOT_BREACHING,
  };
}

/** Invocation errors (crashes, timeouts, out of memory, bad configuration) and throttles. */
function functionAlarms(stage: string, name: string, fn: lambda.IFunction): AlarmDefinition[] {
  const period = Duration.minutes(5);
  return [
    {
      what: `${name}-errors`,
      description:
        `The ${name} function failed invocations (a crash, timeout, out-of-memory or configuration error - not ` +
        `a failed run, which the job's health reports). First: ${CLI} doctor, then the logs in ` +
        `/aws/lambda/${resourceName(stage, name)}`,
      metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: NOT_BREACHING,
    },
    {
      what: `${name}-throttles`,
      description:
        `The ${name} function was throttled: the account's concurrency is used up or its limit is too low, so ` +
        `work waits on the queue. First: ${CLI} doctor`,
      metric: fn.metricThrottles({ statistic: cloudwatch.Stats.SUM, period }),
      threshold: 1,
      comparison: AT_LEAST,
      treatMissingData: NOT_BREACHING,
    },
  ];
}
