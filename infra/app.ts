// CDK app entry (cdk.json: `npx tsx infra/app.ts`). Context:
//   -c stage=prod               stage name (default dev; 1-12 lowercase letters/digits)
//   -c jobsFile=path/jobs.json  the job set to deploy (default jobs.json at the repository root)
//   -c turnTimeoutSeconds=900   override the turn timeout derived from the jobs' budgets
//   -c turnMaxConcurrency=50    most turns at once (default 20)
//   -c dispatchReservedConcurrency=5
//   -c bedrockRegions=us-east-1,us-east-2,us-west-2
//   -c perJobMetrics=true       also publish each job's own metric series (default false: cost per job)
//   -c schedules=scheduler      what fires the jobs: rules (default) or scheduler (EventBridge Scheduler)
//   -c eventBridgeRuleQuota=500 the account's raised "Number of rules" quota (rules)
import { resolve } from "node:path";
import { App } from "aws-cdk-lib";
import { InvalidStageError } from "#adapters/eventbridge/schedule-rules.ts";
import { loadJobSet } from "#adapters/job-set-file.ts";
import { JobValidationError } from "#core/errors.ts";
import { parseScheduleBackend } from "#core/jobs/schedule-backend.ts";
import { addAgentcronStack } from "./agentcron-app.ts";
import { RuleQuotaError } from "./agentcron-stack.ts";
import { PROJECT_ROOT } from "./lambda-function.ts";

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === "" ? undefined : String(value);
};
const numberContext = (key: string): number | undefined => {
  const value = context(key);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new Error(`-c ${key}=${value}: expected a whole number`);
  return parsed;
};
const booleanContext = (key: string): boolean | undefined => {
  const value = context(key);
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new Error(`-c ${key}=${value}: expected true or false`);
};

try {
  const jobsFile = resolve(PROJECT_ROOT, context("jobsFile") ?? "jobs.json");
  const schedules = parseScheduleBackend(context("schedules"), "-c schedules");
  if (schedules === "local")
    throw new RangeError('-c schedules: "local" is the local runtime\'s; use rules or scheduler');
  addAgentcronStack(app, {
    stage: context("stage") ?? "dev",
    jobSet: loadJobSet(jobsFile, schedules),
    schedules,
    ruleQuota: numberContext("eventBridgeRuleQuota"),
    turnTimeoutSeconds: numberContext("turnTimeoutSeconds"),
    dispatchMaxConcurrency: numberContext("dispatchMaxConcurrency"),
    turnMaxConcurrency: numberContext("turnMaxConcurrency"),
    dispatchReservedConcurrency: numberContext("dispatchReservedConcurrency"),
    perJobMetrics: booleanContext("perJobMetrics"),
    bedrockRegions: context("bedrockRegions")
      ?.split(",")
      .map((region) => region.trim()),
  });
} catch (error) {
  // A readable list of problems instead of a stack trace: the person fixes jobs.json or the stage.
  if (
    error instanceof JobValidationError ||
    error instanceof InvalidStageError ||
    error instanceof RuleQuotaError ||
    error instanceof RangeError
  ) {
    console.error(`agentcron: cannot synthesise the stack: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
