import { CustomResource, Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { DeployedJobSet } from "#adapters/job-set-file.ts";
import { ENVIRONMENT } from "#functions/commons/environment.ts";
import type { JobSchedulesProperties } from "#functions/handlers/apply-jobs-handler.ts";
import { bindFunctionEnvironment, bindTable, TABLE_ACCESS } from "./bindings.ts";
import { AgentcronFunction } from "./lambda-function.ts";
import { jobRuleNamePattern, resourceName, serviceNameOf } from "./naming.ts";
import type { WorkQueue } from "./queues.ts";

/** The EventBridge actions the reconciler uses on the stage's job rules. */
export const JOB_RULE_ACTIONS = [
  "events:ListTargetsByRule",
  "events:PutRule",
  "events:PutTargets",
  "events:RemoveTargets",
  "events:DeleteRule",
  "events:EnableRule",
  "events:DisableRule",
  // PutRule with Tags (on creation) needs it too.
  "events:TagResource",
] as const;

export interface SchedulingProps {
  readonly stage: string;
  readonly jobSet: DeployedJobSet;
  readonly table: dynamodb.ITable;
  readonly fires: WorkQueue;
  readonly sweepFunction: lambda.IFunction;
  readonly turnTimeout: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Everything that makes things happen on time:
 * - the sweeper's `rate(1 minute)` rule;
 * - the fires queue (and its DLQ) accepting messages from the stage's job rules only;
 * - the job-apply custom resource: on deploy it applies jobs.json (table + one rule per job, through
 *   the reconciler the CLI uses too); when the stack is deleted it removes the stage's rules.
 */
export class Scheduling extends Construct {
  readonly sweepRule: events.Rule;
  readonly jobSchedules: CustomResource;
  readonly applyJobsFunction: AgentcronFunction;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    const { stage, fires, table } = props;
    const stack = Stack.of(this);

    this.sweepRule = new events.Rule(this, "SweepSchedule", {
      ruleName: resourceName(stage, "sweep"),
      description: "agentcron: run the sweeper every minute",
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(props.sweepFunction, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });

    // SQS targets are authorised by the queue's policy, not by a role. Only this stage's job rules
    // may send: the rule ARN pattern names this account and region (confused-deputy protection;
    // AWS documents aws:SourceArn for EventBridge deliveries to SQS).
    const jobRules = `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${jobRuleNamePattern(stage)}`;
    for (const queue of [fires.queue, fires.deadLetterQueue]) allowJobRulesToSend(queue, jobRules);

    this.applyJobsFunction = new AgentcronFunction(this, "ApplyJobs", {
      functionName: resourceName(stage, "apply-jobs"),
      serviceName: serviceNameOf(stage),
      entry: "functions/apply-jobs.ts",
      description: "CloudFormation custom resource: applies jobs.json and keeps the job rules in step",
      timeout: Duration.minutes(5),
      memorySize: 512,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    const apply = this.applyJobsFunction.fn;
    bindFunctionEnvironment(apply, "applyJobs", {
      tableName: (fn) => bindTable(fn, table, { actions: TABLE_ACCESS.jobAdmin }),
      // Jobs are validated against the deployed turn function's timeout, as dispatch does.
      turnFunctionTimeoutSeconds: (fn) =>
        fn.addEnvironment(ENVIRONMENT.turnFunctionTimeoutSeconds, String(props.turnTimeout.toSeconds())),
    });
    apply.addToRolePolicy(new iam.PolicyStatement({ actions: [...JOB_RULE_ACTIONS], resources: [jobRules] }));
    // events:ListRules supports no resource-level permission: AWS requires "*" here. The reconciler
    // lists by the stage's name prefix and only touches rules it owns.
    apply.addToRolePolicy(new iam.PolicyStatement({ actions: ["events:ListRules"], resources: ["*"] }));

    const properties: JobSchedulesProperties = {
      Stage: stage,
      FiresQueueArn: fires.queue.queueArn,
      FiresDeadLetterQueueArn: fires.deadLetterQueue.queueArn,
      JobsJson: JSON.stringify(props.jobSet.document),
    };
    // A plain Lambda-backed custom resource (no Provider framework): the handler answers
    // CloudFormation itself, so an invalid job set fails the deployment with its own reason.
    // Keep the construct id: a new logical id would replace the resource, and its Delete removes
    // every rule of the stage.
    this.jobSchedules = new CustomResource(this, "JobSchedules", {
      serviceToken: apply.functionArn,
      resourceType: "Custom::AgentcronJobSchedules",
      properties,
      // Do not wait CloudFormation's default hour if the function never answers.
      serviceTimeout: Duration.minutes(10),
    });
    // Rules created by the resource must be able to deliver at once.
    this.jobSchedules.node.addDependency(fires.queue, fires.deadLetterQueue);
  }
}

function allowJobRulesToSend(queue: sqs.Queue, jobRulesArnPattern: string): void {
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AllowAgentcronJobRules",
      principals: [new iam.ServicePrincipal("events.amazonaws.com")],
      actions: ["sqs:SendMessage"],
      resources: [queue.queueArn],
      conditions: { ArnLike: { "aws:SourceArn": jobRulesArnPattern } },
    }),
  );
}
