// Lambda entry: the CloudFormation custom resource that applies jobs.json on `cdk deploy` and
// removes the stage's EventBridge rules when the stack is deleted.
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { createScheduleRules } from "#adapters/eventbridge/schedule-rules.ts";
import { createSchedulerSchedules } from "#adapters/eventbridge-scheduler/scheduler-schedules.ts";
import { systemClock } from "#core/clock.ts";
import { applyJobsDependenciesFromEnvironment } from "./commons/lambda-dependencies.ts";
import { createJobSchedulesHandler, sendCloudFormationResponse } from "./handlers/apply-jobs-handler.ts";

// One attempt per SDK call: the reconciler paces and retries throttling itself, and the SDK would
// retry EventBridge's LimitExceededException (the rule quota) ten times as if it were throttling.
const eventbridge = new EventBridgeClient({ maxAttempts: 1 });
const scheduler = new SchedulerClient({ maxAttempts: 1 });
const s3 = new S3Client({});
const lambda = new LambdaClient({});

export const handler = createJobSchedulesHandler({
  load: () => applyJobsDependenciesFromEnvironment(),
  schedulesFor: (target) =>
    target.backend === "scheduler"
      ? createSchedulerSchedules({
          client: scheduler,
          stage: target.stage,
          firesQueueArn: target.firesQueueArn,
          deadLetterQueueArn: target.deadLetterQueueArn ?? target.firesQueueArn,
          executionRoleArn: target.executionRoleArn ?? "",
          clock: systemClock,
        })
      : createScheduleRules({ client: eventbridge, ...target }),
  readJobsObject: async (bucket, key) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString("utf8")) ?? "";
  },
  continueLater: async (event) => {
    await lambda.send(
      new InvokeCommand({
        FunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
  },
  respond: sendCloudFormationResponse,
});
