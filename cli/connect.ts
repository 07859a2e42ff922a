// Connecting to a deployment: the AWS SDK clients and the store over them. Loaded on demand by the
// commands that talk to a deployment, so `agentcron --help` never loads the SDK; the CloudFormation,
// EventBridge and Scheduler clients load only for a stack target, and only when they are used.
import { dirname, isAbsolute, join, relative } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { builtInCatalog } from "#adapters/catalog.ts";
import { createDynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import { createTableSchedules } from "#adapters/local-schedules/table-schedules.ts";
import { type Clock, systemClock } from "#core/clock.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import { DEFAULT_SCHEDULE_BACKEND, type ScheduleBackend } from "#core/jobs/schedule-backend.ts";
import { LAMBDA_MAX_TIMEOUT_SECONDS } from "#core/jobs/time-budget.ts";
import { ENVIRONMENT } from "#functions/commons/environment.ts";
import { resourceName } from "#infra/naming.ts";
import { runningRuntime } from "#local/runtime-lock.ts";
import { readRuntimeState } from "#local/runtime-state.ts";
import { NotFoundError, UsageError } from "./exit-codes.ts";
import {
  type Deployment,
  type EnvironmentTarget,
  RuntimeNotReadyError,
  SCHEDULER_ROLE_VARIABLE,
  STAGE_VARIABLE,
  scheduleBackendFrom,
  type TargetSpec,
} from "./target.ts";

const QUEUE_KEYS = {
  fires: { queue: "firesQueueUrl", dlq: "firesDlqUrl" },
  turns: { queue: "turnsQueueUrl", dlq: "turnsDlqUrl" },
} as const;

const STACK_OUTPUT_OF = {
  firesQueueUrl: "FiresQueueUrl",
  firesDlqUrl: "FiresDeadLetterQueueUrl",
  turnsQueueUrl: "TurnsQueueUrl",
  turnsDlqUrl: "TurnsDeadLetterQueueUrl",
} as const;

/**
 * Connects to the deployment a spec names: for a stack, reads its outputs (DescribeStacks); for a
 * stopped local runtime's stored data, starts DynamoDB Local on a copy of it (cli/stored-data.ts).
 * @throws NotFoundError when the stack does not exist or AWS cannot be reached.
 */
export async function connectTarget(
  spec: TargetSpec,
  clock: Clock = systemClock,
  hooks: { readonly notice?: (text: string) => void } = {},
): Promise<Deployment> {
  const validationFor = (
    turnFunctionTimeoutSeconds: number,
    schedules: ScheduleBackend,
  ): JobValidationContext => ({
    catalog: builtInCatalog,
    functionTimeoutSeconds: turnFunctionTimeoutSeconds,
    schedules,
  });

  if (spec.kind === "stored") {
    const { openStoredData } = await import("./stored-data.ts");
    const stored = await openStoredData(spec, {
      clock,
      // Locally nothing is deployed: the runtime allows Lambda's maximum (local/runtime.ts).
      validation: validationFor(LAMBDA_MAX_TIMEOUT_SECONDS, "local"),
      notice: hooks.notice ?? (() => {}),
      display: displayPath,
    });
    if (stored) return stored;
    // A runtime started meanwhile: talk to it once it is up.
    const state = readRuntimeState(spec.stateDir);
    if (!state) {
      const holder = runningRuntime(spec.stateDir);
      if (holder) throw new RuntimeNotReadyError(displayPath(spec.stateDir), holder);
      throw new NotFoundError(
        `the local runtime in ${displayPath(spec.stateDir)} stopped again: run the command again`,
      );
    }
    return connectTarget({ kind: "local", stateDir: spec.stateDir, state }, clock, hooks);
  }

  if (spec.kind === "local") {
    const { state } = spec;
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const dynamodb = new DynamoDBClient({
      endpoint: state.dynamodbEndpoint,
      region: state.region,
      credentials,
      maxAttempts: 2,
    });
    // fauxqs mints queue URLs whose host does not resolve: send to the endpoint, not the URL's host.
    const sqs = new SQSClient({
      endpoint: state.sqsEndpoint,
      region: state.region,
      credentials,
      useQueueUrlAsEndpoint: false,
      maxAttempts: 2,
    });
    const table = { client: dynamodb, tableName: state.tableName };
    const queues: Record<string, string | undefined> = { ...state.queues };
    return {
      kind: "local",
      label: `local runtime (${displayPath(spec.stateDir)}, pid ${state.pid})`,
      table,
      store: createDynamoStore(table),
      sqs,
      dynamodb,
      schedulesLabel: "local schedule rules",
      turnLogs: state.logFile,
      runLogs: { kind: "file", directory: state.runLogDir ?? join(dirname(state.logFile), "runs") },
      sweeperHint: "the local runtime sweeps every minute; is it still running (`npm start`)?",
      validation: validationFor(state.turnFunctionTimeoutSeconds, "local"),
      turnConcurrency: state.turnConcurrency,
      clock,
      queueUrl: (role, deadLetter = false) =>
        requireQueue(queues, role, deadLetter, "the local runtime's state"),
      schedules: async () => createTableSchedules(table, clock),
      close: () => {
        dynamodb.destroy();
        sqs.destroy();
      },
    };
  }

  const clientConfig = {
    ...(spec.region ? { region: spec.region } : {}),
    ...(spec.endpoint ? { endpoint: spec.endpoint } : {}),
    maxAttempts: 3,
  };
  let config: EnvironmentTarget;
  let source: string;
  let label: string;
  let firesQueueArn: string | undefined;
  let firesDlqArn: string | undefined;
  let turnLogGroup: string | undefined;
  let schedulerRoleArn: string | undefined =
    spec.kind === "environment" ? spec.config.schedulerRoleArn : undefined;
  if (spec.kind === "stack") {
    const outputs = await readStackOutputs(spec, clientConfig);
    const tableName = outputs.TableName;
    if (!tableName) {
      throw new NotFoundError(`stack ${spec.stackName} has no TableName output: is it an agentcron stack?`);
    }
    config = {
      tableName,
      firesQueueUrl: outputs[STACK_OUTPUT_OF.firesQueueUrl],
      firesDlqUrl: outputs[STACK_OUTPUT_OF.firesDlqUrl],
      turnsQueueUrl: outputs[STACK_OUTPUT_OF.turnsQueueUrl],
      turnsDlqUrl: outputs[STACK_OUTPUT_OF.turnsDlqUrl],
      stage: outputs.Stage,
      turnFunctionTimeoutSeconds: Number(outputs.TurnFunctionTimeoutSeconds) || 900,
      turnConcurrency: Number(outputs.TurnMaxConcurrency) || undefined,
      // A stack deployed before the Scheduler backend existed has no such output: it has rules.
      schedules: scheduleBackendFrom(
        outputs.ScheduleBackend,
        `stack ${spec.stackName}'s ScheduleBackend output`,
      ),
    };
    firesQueueArn = outputs.FiresQueueArn;
    firesDlqArn = outputs.FiresDeadLetterQueueArn;
    schedulerRoleArn = outputs.SchedulerExecutionRoleArn;
    turnLogGroup = outputs.TurnLogGroupName;
    source = `the outputs of stack ${spec.stackName}`;
    label = `stack ${spec.stackName}${spec.region ? ` (${spec.region})` : ""}${spec.endpoint ? ` at ${spec.endpoint}` : ""}`;
  } else {
    config = spec.config;
    source = "the environment";
    label = `table ${config.tableName} (from ${ENVIRONMENT.tableName})${spec.endpoint ? ` at ${spec.endpoint}` : ""}`;
  }

  const dynamodb = new DynamoDBClient(clientConfig);
  const sqs = new SQSClient({ ...clientConfig, useQueueUrlAsEndpoint: false });
  // Only `jobs apply`, pause/resume, delete and doctor reconcile schedules: the EventBridge or
  // Scheduler client loads then.
  let eventbridge: EventBridgeClient | undefined;
  let scheduler: SchedulerClient | undefined;
  const backend = config.schedules ?? DEFAULT_SCHEDULE_BACKEND;
  const table = { client: dynamodb, tableName: config.tableName };
  const queues: Record<string, string | undefined> = {
    firesQueueUrl: config.firesQueueUrl,
    firesDlqUrl: config.firesDlqUrl,
    turnsQueueUrl: config.turnsQueueUrl,
    turnsDlqUrl: config.turnsDlqUrl,
  };
  const stage = config.stage;
  const queueArn = async (url: string | undefined) => {
    if (!url) return undefined;
    const result = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
    );
    return result.Attributes?.QueueArn;
  };
  return {
    kind: "aws",
    label,
    table,
    store: createDynamoStore(table),
    sqs,
    dynamodb,
    stage,
    schedulesLabel:
      backend === "scheduler"
        ? `EventBridge Scheduler schedules in group agentcron-${stage ?? "(stage unknown)"}`
        : stage
          ? `EventBridge rules ac-${stage}-*`
          : "EventBridge rules (stage unknown)",
    turnLogs: turnLogGroup
      ? `the log group ${turnLogGroup}`
      : stage
        ? `the log group /aws/lambda/${resourceName(stage, "turn")}`
        : "the turn function's log group",
    runLogs:
      turnLogGroup || stage
        ? {
            kind: "cloudwatch",
            // A prod stage's kept log groups have generated names: the stack output says which.
            logGroupName: turnLogGroup ?? `/aws/lambda/${resourceName(stage ?? "", "turn")}`,
            clientConfig,
          }
        : {
            kind: "unavailable",
            reason: `the target does not say which stage it is, so the turn function's log group is unknown: use --stage STAGE, or set ${STAGE_VARIABLE}`,
          },
    sweeperHint: stage
      ? `check the rule ${resourceName(stage, "sweep")} and the errors of the function ${resourceName(stage, "sweep")}`
      : "check the sweep function's rule and errors",
    validation: validationFor(config.turnFunctionTimeoutSeconds, backend),
    turnConcurrency: config.turnConcurrency,
    clock,
    queueUrl: (role, deadLetter = false) => requireQueue(queues, role, deadLetter, source),
    async schedules() {
      if (!stage) {
        throw new UsageError(
          `the target does not say which stage's schedule rules to manage: set ${STAGE_VARIABLE}, or use --stage STAGE`,
        );
      }
      const arn = firesQueueArn ?? (await queueArn(requireQueue(queues, "fires", false, source)));
      if (!arn) throw new NotFoundError(`cannot read the fires queue's ARN from ${source}`);
      const deadLetterQueueArn = firesDlqArn ?? (await queueArn(queues.firesDlqUrl));
      if (backend !== "scheduler") {
        const [{ EventBridgeClient }, { createScheduleRules }] = await Promise.all([
          import("@aws-sdk/client-eventbridge"),
          import("#adapters/eventbridge/schedule-rules.ts"),
        ]);
        // One attempt per call: the reconcilers pace and retry throttling themselves, and the SDK
        // would retry EventBridge's LimitExceededException (the rule quota) as if it were throttling.
        eventbridge ??= new EventBridgeClient({ ...clientConfig, maxAttempts: 1 });
        return createScheduleRules({ client: eventbridge, stage, firesQueueArn: arn, deadLetterQueueArn });
      }
      if (!schedulerRoleArn || !deadLetterQueueArn) {
        throw new NotFoundError(
          `the stage uses EventBridge Scheduler, but ${source} does not name its execution role and fires DLQ: ` +
            `target the stack with --stage ${stage}, or set ${SCHEDULER_ROLE_VARIABLE}`,
        );
      }
      const [{ SchedulerClient }, { createSchedulerSchedules }] = await Promise.all([
        import("@aws-sdk/client-scheduler"),
        import("#adapters/eventbridge-scheduler/scheduler-schedules.ts"),
      ]);
      scheduler ??= new SchedulerClient({ ...clientConfig, maxAttempts: 1 });
      return createSchedulerSchedules({
        client: scheduler,
        stage,
        firesQueueArn: arn,
        deadLetterQueueArn,
        executionRoleArn: schedulerRoleArn,
        clock,
      });
    },
    close: () => {
      dynamodb.destroy();
      sqs.destroy();
      eventbridge?.destroy();
      scheduler?.destroy();
    },
  };
}

/** A path relative to the working directory when it lies inside it (`.agentcron`), else as given. */
function displayPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : path;
}

function requireQueue(
  queues: Record<string, string | undefined>,
  role: "fires" | "turns",
  deadLetter: boolean,
  source: string,
): string {
  const key = QUEUE_KEYS[role][deadLetter ? "dlq" : "queue"];
  const url = queues[key];
  if (url) return url;
  throw new NotFoundError(
    `the ${role} ${deadLetter ? "dead-letter queue" : "queue"}'s URL is not in ${source}: ` +
      `set ${ENVIRONMENT[key]} (or target the stack with --stage STAGE)`,
  );
}

async function readStackOutputs(
  spec: Extract<TargetSpec, { kind: "stack" }>,
  clientConfig: { region?: string; endpoint?: string },
): Promise<Record<string, string>> {
  const { CloudFormationClient, DescribeStacksCommand } = await import("@aws-sdk/client-cloudformation");
  const client = new CloudFormationClient({ ...clientConfig, maxAttempts: 3 });
  try {
    const result = await client.send(new DescribeStacksCommand({ StackName: spec.stackName }));
    const stack = result.Stacks?.[0];
    if (!stack) throw new NotFoundError(`stack ${spec.stackName} (from ${spec.via}) was not found`);
    return Object.fromEntries(
      (stack.Outputs ?? []).flatMap((output) =>
        output.OutputKey && output.OutputValue !== undefined ? [[output.OutputKey, output.OutputValue]] : [],
      ),
    );
  } catch (error) {
    if (error instanceof NotFoundError) throw error;
    const message = (error as Error).message ?? String(error);
    if (/does not exist/i.test(message)) {
      throw new NotFoundError(
        `stack ${spec.stackName} (from ${spec.via}) does not exist in ${spec.region ?? "the default region"}` +
          `${spec.endpoint ? ` at ${spec.endpoint}` : ""}: deploy it (npm run deploy -- -c stage=...) or pass the right --stage/--region`,
      );
    }
    if (/region is missing/i.test(message)) {
      throw new UsageError("no AWS region: pass --region REGION or set AWS_REGION");
    }
    throw new NotFoundError(
      `cannot read stack ${spec.stackName}${spec.endpoint ? ` at ${spec.endpoint}` : ""}: ${message}. ` +
        "Check your AWS credentials and region (or --endpoint for LocalStack).",
    );
  } finally {
    client.destroy();
  }
}
