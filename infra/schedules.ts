import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomResource, Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as logs from "aws-cdk-lib/aws-logs";
import * as s3assets from "aws-cdk-lib/aws-s3-assets";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { DeployedJobSet } from "#adapters/job-set-file.ts";
import type { DeployedScheduleBackend } from "#core/jobs/schedule-backend.ts";
import { ENVIRONMENT } from "#functions/commons/environment.ts";
import type { JobSchedulesProperties } from "#functions/handlers/apply-jobs-handler.ts";
import { bindFunctionEnvironment, bindTable, TABLE_ACCESS } from "./bindings.ts";
import { AgentcronFunction } from "./lambda-function.ts";
import { jobRuleNamePattern, resourceName, serviceNameOf } from "./naming.ts";
import type { WorkQueue } from "./queues.ts";
import { SchedulerBackend } from "./scheduler-backend.ts";

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
  /** Which service fires the jobs. @default "rules" */
  readonly backend?: DeployedScheduleBackend;
  /** The account's rule quota on the default bus (rules). @default 300 */
  readonly ruleQuota?: number;
  /**
   * A value that differs on every synthesis, so every deploy reconciles the schedules again (a
   * schedule deleted by hand comes back). @default the synthesis time
   */
  readonly reconcileToken?: string;
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
 * - the job schedules' backend: EventBridge rules (the fires queue accepting messages from the
 *   stage's job rules only) or EventBridge Scheduler (a schedule group and an execution role);
 * - the job-apply custom resource: on every deploy it applies jobs.json (an S3 asset) to the table
 *   and reconciles one schedule per job, through the reconciler the CLI uses too; when the stack is
 *   deleted it removes the stage's rules (a schedule group takes its schedules with it).
 */
export class Scheduling extends Construct {
  readonly sweepRule: events.Rule;
  readonly jobSchedules: CustomResource;
  readonly applyJobsFunction: AgentcronFunction;
  readonly jobSetAsset: s3assets.Asset;
  readonly schedulerBackend?: SchedulerBackend;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    const { stage, fires, table } = props;
    const backend = props.backend ?? "rules";
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

    const applyJobsName = resourceName(stage, "apply-jobs");
    this.applyJobsFunction = new AgentcronFunction(this, "ApplyJobs", {
      functionName: applyJobsName,
      serviceName: serviceNameOf(stage),
      entry: "functions/apply-jobs.ts",
      description: "CloudFormation custom resource: applies jobs.json and keeps the job schedules in step",
      // Lambda's longest: 10,000 schedules at the paced rate fit; more continue in a new invocation.
      timeout: Duration.minutes(15),
      memorySize: 1024,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    const apply = this.applyJobsFunction.fn;
    bindFunctionEnvironment(apply, "applyJobs", {
      tableName: (fn) => bindTable(fn, table, { actions: TABLE_ACCESS.jobAdmin }),
      // Jobs are validated against the deployed turn function's timeout, as dispatch does.
      turnFunctionTimeoutSeconds: (fn) =>
        fn.addEnvironment(ENVIRONMENT.turnFunctionTimeoutSeconds, String(props.turnTimeout.toSeconds())),
      schedules: (fn) => fn.addEnvironment(ENVIRONMENT.schedules, backend),
    });
    // A reconcile that runs out of time continues in a new invocation of this function. The ARN is
    // spelled from the fixed name: a reference to the function would make its policy a cycle.
    apply.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["lambda:InvokeFunction"],
        resources: [
          `arn:${stack.partition}:lambda:${stack.region}:${stack.account}:function:${applyJobsName}`,
        ],
      }),
    );

    // The job set travels as an S3 object: a template holds at most 1 MB, 10,000 jobs do not fit.
    this.jobSetAsset = new s3assets.Asset(this, "JobSet", { path: writeJobSetFile(props.jobSet.document) });
    // This one object, not the bootstrap bucket (the asset's grantRead would allow every object).
    apply.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [
          `arn:${stack.partition}:s3:::${this.jobSetAsset.s3BucketName}/${this.jobSetAsset.s3ObjectKey}`,
        ],
      }),
    );

    let backendProperties: Partial<JobSchedulesProperties>;
    if (backend === "scheduler") {
      this.schedulerBackend = new SchedulerBackend(this, "Scheduler", { stage, fires, reconciler: apply });
      backendProperties = {
        Schedules: "scheduler",
        SchedulerExecutionRoleArn: this.schedulerBackend.executionRole.roleArn,
      };
    } else {
      // SQS targets are authorised by the queue's policy, not by a role. Only this stage's job rules
      // may send: the rule ARN pattern names this account and region (confused-deputy protection;
      // AWS documents aws:SourceArn for EventBridge deliveries to SQS).
      const jobRules = `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${jobRuleNamePattern(stage)}`;
      for (const queue of [fires.queue, fires.deadLetterQueue]) allowJobRulesToSend(queue, jobRules);
      apply.addToRolePolicy(
        new iam.PolicyStatement({ actions: [...JOB_RULE_ACTIONS], resources: [jobRules] }),
      );
      // events:ListRules supports no resource-level permission: AWS requires "*" here. The reconciler
      // lists the default bus (to count it against the quota) and only touches rules it owns.
      apply.addToRolePolicy(new iam.PolicyStatement({ actions: ["events:ListRules"], resources: ["*"] }));
      backendProperties = {
        Schedules: "rules",
        ...(props.ruleQuota ? { RuleQuota: props.ruleQuota } : {}),
      };
    }

    const properties: JobSchedulesProperties = {
      Stage: stage,
      FiresQueueArn: fires.queue.queueArn,
      FiresDeadLetterQueueArn: fires.deadLetterQueue.queueArn,
      JobsBucket: this.jobSetAsset.s3BucketName,
      JobsKey: this.jobSetAsset.s3ObjectKey,
      ReconcileToken: props.reconcileToken ?? new Date().toISOString(),
      ...backendProperties,
    };
    // A plain Lambda-backed custom resource (no Provider framework): the handler answers
    // CloudFormation itself, so an invalid job set fails the deployment with its own reason.
    // Keep the construct id: a new logical id would replace the resource, and its Delete removes
    // every rule of the stage.
    this.jobSchedules = new CustomResource(this, "JobSchedules", {
      serviceToken: apply.functionArn,
      resourceType: "Custom::AgentcronJobSchedules",
      properties,
      // Room for the continuations of a reconcile too long for one invocation (apply-jobs-handler).
      serviceTimeout: Duration.minutes(60),
    });
    // Schedules created by the resource must be able to deliver at once.
    this.jobSchedules.node.addDependency(fires.queue, fires.deadLetterQueue);
    if (this.schedulerBackend) this.jobSchedules.node.addDependency(this.schedulerBackend);
  }
}

/** Writes the job set to a file for its S3 asset (the asset's hash follows the content). */
function writeJobSetFile(document: unknown): string {
  const text = JSON.stringify(document);
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  const directory = join(tmpdir(), "agentcron-job-sets");
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `jobs-${hash}.json`);
  writeFileSync(path, text);
  return path;
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
