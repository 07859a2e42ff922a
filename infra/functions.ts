import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";
import { TABLE_SCHEMA } from "#adapters/dynamodb/table-definition.ts";
import { scheduleGroupNameOf } from "#adapters/eventbridge-scheduler/scheduler-schedules.ts";
import type { DeployedScheduleBackend } from "#core/jobs/schedule-backend.ts";
import { ENVIRONMENT } from "#functions/commons/environment.ts";
import { grantModelInvocation, grantSecretsByReference } from "./agent-access.ts";
import {
  bindAlarmTopic,
  bindEventBus,
  bindFunctionEnvironment,
  bindQueue,
  bindTable,
  type EnvironmentBinders,
  TABLE_ACCESS,
} from "./bindings.ts";
import { AgentcronFunction } from "./lambda-function.ts";
import { jobRuleNamePattern, resourceName, serviceNameOf } from "./naming.ts";
import type { WorkQueue } from "./queues.ts";

/** Dispatch is short and bounded (DESIGN invariant 5): read, decide, write, hand off. */
export const DISPATCH_TIMEOUT = Duration.seconds(30);
/** Most turns running at once unless the stage says otherwise (see RunEngineFunctionsProps). */
export const DEFAULT_TURN_MAX_CONCURRENCY = 20;
/** One sweep pass over the overdue leases; the next one starts a minute later anyway. */
export const SWEEP_TIMEOUT = Duration.seconds(60);

export interface RunEngineFunctionsProps {
  readonly stage: string;
  readonly table: dynamodb.ITable;
  readonly fires: WorkQueue;
  readonly turns: WorkQueue;
  readonly lifecycleBus: events.IEventBus;
  /** Where a job's health changes are published (the topic the alarms publish to, and its key). */
  readonly alarmTopic: { readonly topic: sns.ITopic; readonly key: kms.IKey };
  /**
   * Publish each job's own metric series beside the stage-wide ones (CloudWatch charges per series).
   * @default false
   */
  readonly perJobMetrics?: boolean;
  /** Derived from the jobs' budgets (infra/job-set.ts `turnTimeoutFor`). */
  readonly turnTimeout: Duration;
  /**
   * Most dispatch invocations the fires queue may run at once. Dispatch is quick, so a few keep up
   * with any burst of fires while leaving the account's concurrency to turns.
   * @default 5
   */
  readonly dispatchMaxConcurrency?: number;
  /**
   * Most turns running at once (each turn is its own invocation). Caps what a burst of fires can
   * take from the account's concurrency pool, so dispatch and sweep always find room.
   * @default 20
   */
  readonly turnMaxConcurrency?: number;
  /**
   * Concurrency reserved for dispatch, which guarantees it room even when other functions in the
   * account use the whole pool. Off by default: AWS refuses a reservation that leaves fewer than
   * 100 unreserved executions, which fails the deployment in new accounts (quota 10).
   * @default none
   */
  readonly dispatchReservedConcurrency?: number;
  /** Regions where the bedrock harness may invoke models. @default [the stack's region] */
  readonly bedrockRegions?: readonly string[];
  /** Which service fires the jobs (what a job's schedule may ask for). @default "rules" */
  readonly schedules?: DeployedScheduleBackend;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The three functions of the run engine, each bound to exactly the variables it declares
 * (FUNCTION_ENVIRONMENT) and the access they name:
 * - dispatch: fires queue → one outcome per fire; sends turns and poison (fires DLQ), delays a
 *   fire's redelivery (fires);
 * - turn: turns queue → one run per invocation; sends poison (turns DLQ), delays a turn message's
 *   redelivery (turns); calls Bedrock; reads secrets by reference;
 * - sweep: every minute (infra/schedules.ts); queries the sweep index; sends drains (fires),
 *   re-handoffs and retries (turns), and reads the turns backlog.
 * All three write the table, put lifecycle events on the bus and publish job-health changes to the
 * alarm topic (a run ends, or a fire is skipped, in each of them).
 */
export class RunEngineFunctions extends Construct {
  readonly dispatch: AgentcronFunction;
  readonly turn: AgentcronFunction;
  readonly sweep: AgentcronFunction;

  constructor(scope: Construct, id: string, props: RunEngineFunctionsProps) {
    super(scope, id);
    const { stage, table, fires, turns, lifecycleBus } = props;
    const common = {
      serviceName: serviceNameOf(stage),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    };

    this.dispatch = new AgentcronFunction(this, "Dispatch", {
      ...common,
      functionName: resourceName(stage, "dispatch"),
      entry: "functions/dispatch.ts",
      description: "fires queue -> dispatch: dedupe, lease, overlap policy, run record, hand-off",
      timeout: DISPATCH_TIMEOUT,
      reservedConcurrency: props.dispatchReservedConcurrency,
    });
    this.turn = new AgentcronFunction(this, "Turn", {
      ...common,
      functionName: resourceName(stage, "turn"),
      entry: "functions/turn.ts",
      description: "turns queue -> one agent turn: setup, runtime-plugins, agent-turn, finalize",
      timeout: props.turnTimeout,
      // Agent SDKs, MCP plugin processes and tool output live here; memory also buys CPU.
      memorySize: 1024,
    });
    this.sweep = new AgentcronFunction(this, "Sweep", {
      ...common,
      functionName: resourceName(stage, "sweep"),
      entry: "functions/sweep.ts",
      description: "every minute: overdue phases, expired leases, buffered fires, retries",
      timeout: SWEEP_TIMEOUT,
    });

    const turnTimeoutSeconds = String(props.turnTimeout.toSeconds());
    // What each variable binds to; each function takes the ones it declares, with its own access.
    const shared: EnvironmentBinders = {
      eventBusName: (fn) => bindEventBus(fn, lifecycleBus),
      // Every function validates jobs against the turn function's real timeout (invariant 8).
      turnFunctionTimeoutSeconds: (fn) =>
        fn.addEnvironment(ENVIRONMENT.turnFunctionTimeoutSeconds, turnTimeoutSeconds),
      // Every function validates jobs against what the stage's schedule backend can do.
      schedules: (fn) => fn.addEnvironment(ENVIRONMENT.schedules, props.schedules ?? "rules"),
      tableName: (fn) => bindTable(fn, table, { actions: TABLE_ACCESS.runEngine }),
      alarmTopicArn: (fn) => bindAlarmTopic(fn, props.alarmTopic),
      perJobMetrics: (fn) =>
        fn.addEnvironment(ENVIRONMENT.perJobMetrics, String(props.perJobMetrics ?? false)),
    };

    const dispatch = this.dispatch.fn;
    bindFunctionEnvironment(dispatch, "dispatch", {
      ...shared,
      turnsQueueUrl: (fn) => bindQueue(fn, "turnsQueueUrl", turns.queue, ["send"]),
      firesQueueUrl: (fn) => bindQueue(fn, "firesQueueUrl", fires.queue, ["redeliver"]),
      firesDlqUrl: (fn) => bindQueue(fn, "firesDlqUrl", fires.deadLetterQueue, ["send"]),
    });

    const turn = this.turn.fn;
    bindFunctionEnvironment(turn, "turn", {
      ...shared,
      turnsQueueUrl: (fn) => bindQueue(fn, "turnsQueueUrl", turns.queue, ["redeliver"]),
      turnsDlqUrl: (fn) => bindQueue(fn, "turnsDlqUrl", turns.deadLetterQueue, ["send"]),
    });
    grantModelInvocation(turn, props.bedrockRegions ?? [this.turn.fn.stack.region]);
    grantSecretsByReference(turn, stage);

    const sweep = this.sweep.fn;
    bindFunctionEnvironment(sweep, "sweep", {
      ...shared,
      tableName: (fn) =>
        bindTable(fn, table, {
          actions: TABLE_ACCESS.runEngine,
          indexes: [TABLE_SCHEMA.sweepIndex.name, TABLE_SCHEMA.fireWatchIndex.name],
        }),
      firesQueueUrl: (fn) => bindQueue(fn, "firesQueueUrl", fires.queue, ["send"]),
      turnsQueueUrl: (fn) => bindQueue(fn, "turnsQueueUrl", turns.queue, ["send", "backlog"]),
      // When a fire never arrives, the sweeper reads the job's schedule to say why.
      stage: (fn) => grantScheduleInspection(fn, stage, props.schedules ?? "rules"),
    });
    // A sweep that failed is replaced by the next one a minute later; retrying it only overlaps.
    sweep.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });

    // Partial batch responses: one failed message is retried alone, never its whole batch.
    dispatch.addEventSource(
      new SqsEventSource(fires.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: props.dispatchMaxConcurrency ?? 5,
      }),
    );
    // One message per invocation: each turn is isolated in its own invocation (DESIGN invariant 5).
    turn.addEventSource(
      new SqsEventSource(turns.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.turnMaxConcurrency ?? DEFAULT_TURN_MAX_CONCURRENCY,
      }),
    );
  }
}

/**
 * When a fire never arrives, the sweeper reads the job's schedule to say why (missing, disabled,
 * or there and enabled): it learns the stage, and may read — only read — the stage's own rules or
 * the schedules of its group.
 */
function grantScheduleInspection(
  fn: lambda.Function,
  stage: string,
  schedules: DeployedScheduleBackend,
): void {
  const stack = Stack.of(fn);
  fn.addEnvironment(ENVIRONMENT.stage, stage);
  fn.addToRolePolicy(
    schedules === "scheduler"
      ? new iam.PolicyStatement({
          actions: ["scheduler:GetSchedule"],
          resources: [
            `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/${scheduleGroupNameOf(stage)}/*`,
          ],
        })
      : new iam.PolicyStatement({
          actions: ["events:DescribeRule"],
          resources: [
            `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${jobRuleNamePattern(stage)}`,
          ],
        }),
  );
}
