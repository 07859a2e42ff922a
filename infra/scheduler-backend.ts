import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { Construct } from "constructs";
import { scheduleGroupNameOf } from "#adapters/eventbridge-scheduler/scheduler-schedules.ts";
import { resourceName } from "./naming.ts";
import type { WorkQueue } from "./queues.ts";

/** The Scheduler actions the reconciler uses on the stage's schedules. */
export const SCHEDULE_ACTIONS = [
  "scheduler:CreateSchedule",
  "scheduler:UpdateSchedule",
  "scheduler:DeleteSchedule",
  "scheduler:GetSchedule",
] as const;

export interface SchedulerBackendProps {
  readonly stage: string;
  readonly fires: WorkQueue;
  /** The function that reconciles the schedules (the job-apply custom resource). */
  readonly reconciler: lambda.IFunction;
}

/**
 * The EventBridge Scheduler side of a stage (`-c schedules=scheduler`):
 * - the schedule group `agentcron-<stage>`, which holds the stage's schedules and nothing else
 *   (deleting it with the stack deletes them);
 * - the execution role Scheduler assumes to deliver a fire: it may send to the fires queue and its
 *   DLQ and nothing else, and only this account's schedules in this group may assume it;
 * - for the reconciler: create, update, delete and read schedules in the group, and pass that role
 *   to Scheduler only. (ListSchedules has no resource-level permission; it lists names and states.)
 */
export class SchedulerBackend extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: SchedulerBackendProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const groupName = scheduleGroupNameOf(props.stage);
    this.group = new scheduler.CfnScheduleGroup(this, "Group", { name: groupName });
    const schedulesInGroup = `arn:${stack.partition}:scheduler:${stack.region}:${stack.account}:schedule/${groupName}/*`;

    this.executionRole = new iam.Role(this, "ExecutionRole", {
      roleName: resourceName(props.stage, "scheduler"),
      description: `agentcron ${props.stage}: EventBridge Scheduler delivers job fires to the fires queue`,
      // Confused-deputy protection: only this account's schedules of this group.
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: { "aws:SourceAccount": stack.account },
          ArnLike: { "aws:SourceArn": schedulesInGroup },
        },
      }),
    });
    this.executionRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ["sqs:SendMessage"],
        resources: [props.fires.queue.queueArn, props.fires.deadLetterQueue.queueArn],
      }),
    );

    props.reconciler.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...SCHEDULE_ACTIONS], resources: [schedulesInGroup] }),
    );
    props.reconciler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["scheduler:ListSchedules"], resources: ["*"] }),
    );
    props.reconciler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["iam:PassRole"],
        resources: [this.executionRole.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
      }),
    );
  }
}
