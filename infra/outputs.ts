import { Aws, CfnOutput, type Stack } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as events from "aws-cdk-lib/aws-events";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { DeployedScheduleBackend } from "#core/jobs/schedule-backend.ts";
import type { WorkQueue } from "./queues.ts";

export interface StackOutputsProps {
  readonly stage: string;
  readonly table: dynamodb.ITable;
  readonly fires: WorkQueue;
  readonly turns: WorkQueue;
  readonly alarmTopic: sns.ITopic;
  readonly lifecycleBus: events.IEventBus;
  readonly dashboard: cloudwatch.Dashboard;
  readonly turnTimeoutSeconds: number;
  readonly turnMaxConcurrency: number;
  readonly scheduleBackend: DeployedScheduleBackend;
  /** The role EventBridge Scheduler assumes to deliver fires (Scheduler stages). */
  readonly schedulerExecutionRoleArn?: string;
  /** The turn function's log group (a generated name on stages that keep their logs). */
  readonly turnLogGroupName: string;
}

/**
 * What a person or the CLI needs to find the deployment: the CLI reads these (`agentcron doctor`,
 * `jobs apply` with the same reconciler and the deployed turn timeout), alarm consumers subscribe
 * to the exported topic.
 */
export function addStackOutputs(stack: Stack, props: StackOutputsProps): void {
  const output = (id: string, value: string, description: string, exportName?: string) =>
    new CfnOutput(stack, id, { value, description, ...(exportName ? { exportName } : {}) });

  output("Stage", props.stage, "Deployment stage");
  output("TableName", props.table.tableName, "DynamoDB table: jobs, leases, runs, fires, stats");
  output(
    "FiresQueueUrl",
    props.fires.queue.queueUrl,
    "Fires queue (EventBridge rules, manual runs, drains -> dispatch)",
  );
  output("FiresQueueArn", props.fires.queue.queueArn, "Fires queue ARN: the job rules' target");
  output("FiresDeadLetterQueueUrl", props.fires.deadLetterQueue.queueUrl, "Fires dead-letter queue");
  output(
    "FiresDeadLetterQueueArn",
    props.fires.deadLetterQueue.queueArn,
    "Fires DLQ ARN: the job rules' dead-letter target",
  );
  output("TurnsQueueUrl", props.turns.queue.queueUrl, "Turns queue (dispatch -> turn)");
  output("TurnsDeadLetterQueueUrl", props.turns.deadLetterQueue.queueUrl, "Turns dead-letter queue");
  output(
    "AlarmTopicArn",
    props.alarmTopic.topicArn,
    "SNS topic every alarm publishes ALARM and OK to; subscribe alarm consumers here",
    `${stack.stackName}-alarm-topic-arn`,
  );
  output(
    "EventBusName",
    props.lifecycleBus.eventBusName,
    "EventBridge bus of run lifecycle events (source agentcron)",
  );
  output("DashboardName", props.dashboard.dashboardName, "CloudWatch dashboard");
  output(
    "DashboardUrl",
    `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${props.dashboard.dashboardName}`,
    "CloudWatch dashboard in the console",
  );
  output(
    "ScheduleBackend",
    props.scheduleBackend,
    "What fires the jobs: rules (EventBridge rules ac-<stage>-*) or scheduler (EventBridge Scheduler group agentcron-<stage>)",
  );
  if (props.schedulerExecutionRoleArn) {
    output(
      "SchedulerExecutionRoleArn",
      props.schedulerExecutionRoleArn,
      "The role EventBridge Scheduler assumes to send fires (the CLI's jobs apply passes it to new schedules)",
    );
  }
  output(
    "TurnLogGroupName",
    props.turnLogGroupName,
    "The turn function's log group (agentcron inspect points here)",
  );
  output(
    "TurnFunctionTimeoutSeconds",
    String(props.turnTimeoutSeconds),
    "The turn function's timeout; every job's maxRunSeconds + 30 must fit in it",
  );
  output(
    "TurnMaxConcurrency",
    String(props.turnMaxConcurrency),
    "Most turns that run at once; more jobs due in one minute wait in the turns queue",
  );
}
