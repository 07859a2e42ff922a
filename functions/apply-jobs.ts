// Lambda entry: the CloudFormation custom resource that applies jobs.json on `cdk deploy` and
// removes the stage's EventBridge rules when the stack is deleted.
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { createScheduleRules } from "#adapters/eventbridge/schedule-rules.ts";
import { applyJobsDependenciesFromEnvironment } from "./commons/lambda-dependencies.ts";
import { createJobSchedulesHandler, sendCloudFormationResponse } from "./handlers/apply-jobs-handler.ts";

// EventBridge's control-plane calls (PutRule, PutTargets, ...) have low request quotas; adaptive
// retries ride out throttling when a job set has many rules.
const eventbridge = new EventBridgeClient({ retryMode: "adaptive", maxAttempts: 10 });

export const handler = createJobSchedulesHandler({
  load: () => applyJobsDependenciesFromEnvironment(),
  schedulesFor: (target) => createScheduleRules({ client: eventbridge, ...target }),
  respond: sendCloudFormationResponse,
});
