import { Annotations, Duration, RemovalPolicy, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { DEFAULT_RULE_QUOTA, ruleQuotaMessage, validateStage } from "#adapters/eventbridge/schedule-rules.ts";
import { type DeployedJobSet, turnTimeoutFor } from "#adapters/job-set-file.ts";
import { simultaneousFiresWarning } from "#core/jobs/fire-concurrency.ts";
import type { DeployedScheduleBackend } from "#core/jobs/schedule-backend.ts";
import { LAMBDA_MAX_TIMEOUT_SECONDS } from "#core/jobs/time-budget.ts";
import { AlarmTopic } from "./alarm-topic.ts";
import { AgentcronAlarms } from "./alarms.ts";
import { AgentcronDashboard } from "./dashboard.ts";
import { LifecycleBus } from "./event-bus.ts";
import { DEFAULT_TURN_MAX_CONCURRENCY, DISPATCH_TIMEOUT, RunEngineFunctions } from "./functions.ts";
import { acknowledgeNagFindings } from "./nag-suppressions.ts";
import { alarmNamePattern, isProductionStage, resourceName, resourcePrefix } from "./naming.ts";
import { addStackOutputs } from "./outputs.ts";
import { WorkQueue } from "./queues.ts";
import { Scheduling } from "./schedules.ts";
import { AgentcronTable } from "./table.ts";

export interface AgentcronStackProps extends StackProps {
  /** 1-12 lowercase letters and digits, starting with a letter (see STAGE_PATTERN). */
  readonly stage: string;
  /** The validated job set (jobs.json): deployed by the job-apply resource; sets the turn timeout. */
  readonly jobSet: DeployedJobSet;
  /**
   * What happens to the table (and logs and the alarm key) when the stack is deleted.
   * @default RETAIN (with table deletion protection) for stages starting with "prod", DESTROY otherwise
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The turn function's timeout in seconds, overriding the one derived from the jobs' budgets
   * (e.g. to leave room for jobs applied later with the CLI). At most 900.
   * @default the longest maxRunSeconds in the job set + 30 s
   */
  readonly turnTimeoutSeconds?: number;
  /** @default 5 */
  readonly dispatchMaxConcurrency?: number;
  /** @default 20 */
  readonly turnMaxConcurrency?: number;
  /** @default none (see RunEngineFunctionsProps.dispatchReservedConcurrency) */
  readonly dispatchReservedConcurrency?: number;
  /** Regions where the bedrock harness may invoke models. @default [the stack's region] */
  readonly bedrockRegions?: readonly string[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Publish each job's own metric series (`jobId` dimension) beside the stage-wide ones, for per-job
   * graphs. Off by default: CloudWatch charges every series, so per-job series make monitoring cost
   * grow with the jobs; job health, the CLI and the logs (every line names its job) do without them.
   * @default false
   */
  readonly perJobMetrics?: boolean;
  /**
   * Which service fires the jobs: EventBridge rules (UTC cron and rate, at most the account's rule
   * quota — 300 by default, shared with everything else on the default bus) or EventBridge
   * Scheduler (time zones, one-time at(), flexible windows, millions of schedules).
   * @default "rules"
   */
  readonly schedules?: DeployedScheduleBackend;
  /** The account's "Number of rules" quota on the default bus, when raised. @default 300 */
  readonly ruleQuota?: number;
  /** @default the synthesis time: every deploy reconciles the schedules again */
  readonly reconcileToken?: string;
}

/**
 * agentcron for one stage: the table, the fires and turns queues with their DLQs, the run engine's
 * functions, the schedules (sweeper rule, job rules through the job-apply resource), the lifecycle
 * bus, alarms to an SNS topic and a dashboard.
 */
export class AgentcronStack extends Stack {
  readonly stage: string;
  readonly scheduleBackend: DeployedScheduleBackend;
  readonly turnTimeoutSeconds: number;
  readonly table: AgentcronTable;
  readonly fires: WorkQueue;
  readonly turns: WorkQueue;
  readonly lifecycleBus: LifecycleBus;
  readonly functions: RunEngineFunctions;
  readonly scheduling: Scheduling;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: AgentcronAlarms;
  readonly dashboard: AgentcronDashboard;

  constructor(scope: Construct, id: string, props: AgentcronStackProps) {
    super(scope, id, {
      description: `agentcron (${props.stage}): serverless cron for AI-agent turns`,
      ...props,
    });
    const stage = validateStage(props.stage);
    this.stage = stage;
    this.scheduleBackend = props.schedules ?? "rules";
    if (this.scheduleBackend === "rules") checkRuleQuota(props.jobSet.jobs.length, props.ruleQuota);
    const removalPolicy =
      props.removalPolicy ?? (isProductionStage(stage) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
    this.turnTimeoutSeconds = checkedTurnTimeout(
      props.turnTimeoutSeconds ?? turnTimeoutFor(props.jobSet.jobs),
    );
    const turnTimeout = Duration.seconds(this.turnTimeoutSeconds);
    const turnMaxConcurrency = props.turnMaxConcurrency ?? DEFAULT_TURN_MAX_CONCURRENCY;
    Tags.of(this).add("agentcron:stage", stage);
    // More jobs due in one minute than turns run at once: they wait, and may end not-started.
    const crowded = simultaneousFiresWarning(props.jobSet.jobs, turnMaxConcurrency);
    if (crowded) Annotations.of(this).addWarningV2("agentcron:simultaneous-fires", crowded.message);

    this.table = new AgentcronTable(this, "Table", { removalPolicy });
    this.fires = new WorkQueue(this, "Fires", {
      namePrefix: resourcePrefix(stage),
      role: "fires",
      consumerTimeout: DISPATCH_TIMEOUT,
    });
    this.turns = new WorkQueue(this, "Turns", {
      namePrefix: resourcePrefix(stage),
      role: "turns",
      consumerTimeout: turnTimeout,
    });
    this.lifecycleBus = new LifecycleBus(this, "LifecycleBus", { eventBusName: resourceName(stage, "runs") });
    this.alarmTopic = new AlarmTopic(this, "AlarmTopic", {
      topicName: resourceName(stage, "alarms"),
      alarmNamePattern: alarmNamePattern(stage),
      keyRemovalPolicy: removalPolicy,
    });
    const perJobMetrics = props.perJobMetrics ?? false;

    const common = { logRetention: props.logRetention, logRemovalPolicy: removalPolicy };
    this.functions = new RunEngineFunctions(this, "Functions", {
      ...common,
      stage,
      table: this.table.table,
      fires: this.fires,
      turns: this.turns,
      lifecycleBus: this.lifecycleBus.bus,
      alarmTopic: this.alarmTopic,
      perJobMetrics,
      turnTimeout,
      dispatchMaxConcurrency: props.dispatchMaxConcurrency,
      turnMaxConcurrency,
      dispatchReservedConcurrency: props.dispatchReservedConcurrency,
      bedrockRegions: props.bedrockRegions,
      schedules: this.scheduleBackend,
    });
    this.scheduling = new Scheduling(this, "Schedules", {
      ...common,
      stage,
      jobSet: props.jobSet,
      backend: this.scheduleBackend,
      ruleQuota: props.ruleQuota,
      reconcileToken: props.reconcileToken,
      table: this.table.table,
      fires: this.fires,
      sweepFunction: this.functions.sweep.fn,
      turnTimeout,
    });

    const functions = [
      { name: "dispatch", fn: this.functions.dispatch.fn },
      { name: "turn", fn: this.functions.turn.fn },
      { name: "sweep", fn: this.functions.sweep.fn },
    ];
    this.alarms = new AgentcronAlarms(this, "Alarms", {
      stage,
      topic: this.alarmTopic.topic,
      functions,
      fires: this.fires,
      turns: this.turns,
      table: this.table.table,
      turnTimeout,
      schedules: this.scheduleBackend,
    });
    this.dashboard = new AgentcronDashboard(this, "Dashboard", {
      stage,
      dashboardName: resourceName(stage, "dashboard"),
      functions,
      fires: this.fires,
      turns: this.turns,
      alarms: this.alarms.alarms,
      perJobMetrics,
    });

    addStackOutputs(this, {
      stage,
      table: this.table.table,
      fires: this.fires,
      turns: this.turns,
      alarmTopic: this.alarmTopic.topic,
      lifecycleBus: this.lifecycleBus.bus,
      dashboard: this.dashboard.dashboard,
      turnTimeoutSeconds: this.turnTimeoutSeconds,
      turnMaxConcurrency,
      scheduleBackend: this.scheduleBackend,
      schedulerExecutionRoleArn: this.scheduling.schedulerBackend?.executionRole.roleArn,
      turnLogGroupName: this.functions.turn.logGroup.logGroupName,
    });
    acknowledgeNagFindings(this);
  }
}

function checkedTurnTimeout(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > LAMBDA_MAX_TIMEOUT_SECONDS) {
    throw new Error(
      `the turn function's timeout must be a whole number of seconds from 1 to 900, got ${seconds}`,
    );
  }
  return seconds;
}

/**
 * A rules stage cannot hold more jobs than the default bus has rules: refuse at synth, before
 * anything is deployed, with the same message the reconciler gives.
 */
function checkRuleQuota(jobCount: number, quota = DEFAULT_RULE_QUOTA): void {
  if (jobCount > quota) throw new RuleQuotaError(ruleQuotaMessage({ quota, needed: jobCount }));
}

/** The job set needs more EventBridge rules than the account's quota allows. */
export class RuleQuotaError extends Error {
  override name = "RuleQuotaError";
}
