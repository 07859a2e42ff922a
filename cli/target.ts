import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoStore, type DynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import { createScheduleRules, validateStage } from "#adapters/eventbridge/schedule-rules.ts";
import { createSchedulerSchedules } from "#adapters/eventbridge-scheduler/scheduler-schedules.ts";
import { createTableSchedules } from "#adapters/local-schedules/table-schedules.ts";
import { builtInRegistry } from "#adapters/registry.ts";
import { type Clock, systemClock } from "#core/clock.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import {
  DEFAULT_SCHEDULE_BACKEND,
  parseScheduleBackend,
  type ScheduleBackend,
} from "#core/jobs/schedule-backend.ts";
import type { Schedules } from "#core/ports.ts";
import { ENVIRONMENT, readTurnFunctionTimeout } from "#functions/commons/environment.ts";
import { resourceName, stackNameOf } from "#infra/naming.ts";
import { DEFAULT_STATE_DIR, type LocalRuntimeState, readRuntimeState } from "#local/runtime-state.ts";
import { NotFoundError, UsageError } from "./exit-codes.ts";
import type { RunLogSource } from "./run-logs/run-log-source.ts";

/** The target flags every command takes (see docs/cli.md "Targets"). */
export interface TargetOptions {
  /** The running local runtime (`npm start`) of the default state dir. */
  readonly local?: boolean;
  /** The running local runtime whose state lives in DIR. */
  readonly stateDir?: string;
  /** A deployed stack, by name. */
  readonly stack?: string;
  /** A deployed stack, by stage: `agentcron-<stage>`. */
  readonly stage?: string;
  readonly region?: string;
  /** Send every AWS call here (LocalStack: http://127.0.0.1:4566). */
  readonly endpoint?: string;
}

/** Which deployment a command talks to, before any connection is made. */
export type TargetSpec =
  | { readonly kind: "local"; readonly stateDir: string; readonly state: LocalRuntimeState }
  | {
      readonly kind: "stack";
      readonly stackName: string;
      /** Which flag or variable named it (for messages). */
      readonly via: string;
      readonly region?: string;
      readonly endpoint?: string;
    }
  | {
      readonly kind: "environment";
      readonly config: EnvironmentTarget;
      readonly region?: string;
      readonly endpoint?: string;
    };

/** A deployment named by the functions' own environment variables (functions/commons/environment.ts). */
export interface EnvironmentTarget {
  readonly tableName: string;
  readonly firesQueueUrl?: string;
  readonly firesDlqUrl?: string;
  readonly turnsQueueUrl?: string;
  readonly turnsDlqUrl?: string;
  /** AGENTCRON_STAGE: whose EventBridge rules `jobs apply` reconciles. */
  readonly stage?: string;
  /** AGENTCRON_SCHEDULES (the stack output ScheduleBackend): what fires the stage's jobs. @default "rules" */
  readonly schedules?: ScheduleBackend;
  /** AGENTCRON_SCHEDULER_ROLE_ARN: the role Scheduler assumes (a Scheduler stage's `jobs apply`). */
  readonly schedulerRoleArn?: string;
  readonly turnFunctionTimeoutSeconds: number;
  /** The stack's TurnMaxConcurrency output, when it has one. */
  readonly turnConcurrency?: number;
}

export const STAGE_VARIABLE = "AGENTCRON_STAGE";
export const SCHEDULER_ROLE_VARIABLE = "AGENTCRON_SCHEDULER_ROLE_ARN";

const HOW_TO_TARGET = [
  "  --local                 the local runtime (`npm start`) running from this directory",
  "  --state-dir DIR         the local runtime whose state is in DIR",
  "  --stage STAGE           the stack agentcron-STAGE (with --region R; --endpoint http://127.0.0.1:4566 for LocalStack)",
  "  --stack NAME            a stack by name",
  `  or set ${ENVIRONMENT.tableName}, ${ENVIRONMENT.firesQueueUrl}, ${ENVIRONMENT.firesDlqUrl}, ${ENVIRONMENT.turnsQueueUrl}, ${ENVIRONMENT.turnsDlqUrl} (and ${STAGE_VARIABLE} for schedule rules), or just ${STAGE_VARIABLE}`,
].join("\n");

/**
 * Decides which deployment a command talks to, in this order:
 * 1. `--local` / `--state-dir DIR`: the local runtime running there (error if none is);
 * 2. `--stack NAME` / `--stage STAGE`: that CloudFormation stack's outputs;
 * 3. the environment: AGENTCRON_TABLE_NAME (+ the queue URLs the functions use), else AGENTCRON_STAGE;
 * 4. a local runtime running from the default state dir (`.agentcron`);
 * otherwise an error that lists what to pass.
 *
 * @throws UsageError when flags name two targets; NotFoundError when nothing resolves.
 */
export function resolveTarget(
  options: TargetOptions,
  context: {
    readonly env: NodeJS.ProcessEnv;
    readonly readState?: (stateDir: string) => LocalRuntimeState | undefined;
  },
): TargetSpec {
  const { env } = context;
  const readState = context.readState ?? readRuntimeState;
  const wantsLocal = options.local === true || options.stateDir !== undefined;
  const wantsStack = options.stack !== undefined || options.stage !== undefined;
  if (wantsLocal && wantsStack) {
    throw new UsageError(
      "pass one target: --local/--state-dir (the local runtime) or --stack/--stage (a deployed stack), not both",
    );
  }
  if (options.stack !== undefined && options.stage !== undefined) {
    throw new UsageError(
      `pass --stack or --stage, not both (--stage ${options.stage} means --stack agentcron-${options.stage})`,
    );
  }
  const region = options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  const endpoint = options.endpoint;

  if (wantsLocal) {
    const stateDir = resolve(options.stateDir ?? DEFAULT_STATE_DIR);
    const state = readState(stateDir);
    if (!state) {
      throw new NotFoundError(
        `no local runtime is running with its state in ${stateDir} (no live local-runtime.json there). ` +
          "Start one with `npm start`" +
          (options.stateDir ? ` -- --state-dir ${options.stateDir}` : "") +
          ", or target a deployed stack with --stage STAGE.",
      );
    }
    return { kind: "local", stateDir, state };
  }
  if (options.stack !== undefined)
    return { kind: "stack", stackName: options.stack, via: "--stack", region, endpoint };
  if (options.stage !== undefined) {
    return {
      kind: "stack",
      stackName: stackNameOf(checkedStage(options.stage, "--stage")),
      via: "--stage",
      region,
      endpoint,
    };
  }

  const tableName = env[ENVIRONMENT.tableName];
  if (tableName) {
    const stage = env[STAGE_VARIABLE] ? checkedStage(env[STAGE_VARIABLE], STAGE_VARIABLE) : undefined;
    return {
      kind: "environment",
      region,
      endpoint,
      config: {
        tableName,
        firesQueueUrl: env[ENVIRONMENT.firesQueueUrl] || undefined,
        firesDlqUrl: env[ENVIRONMENT.firesDlqUrl] || undefined,
        turnsQueueUrl: env[ENVIRONMENT.turnsQueueUrl] || undefined,
        turnsDlqUrl: env[ENVIRONMENT.turnsDlqUrl] || undefined,
        stage,
        turnFunctionTimeoutSeconds: turnTimeoutFrom(env),
        schedules: scheduleBackendFrom(env[ENVIRONMENT.schedules], ENVIRONMENT.schedules),
        schedulerRoleArn: env[SCHEDULER_ROLE_VARIABLE] || undefined,
      },
    };
  }
  const stageFromEnv = env[STAGE_VARIABLE];
  if (stageFromEnv) {
    return {
      kind: "stack",
      stackName: stackNameOf(checkedStage(stageFromEnv, STAGE_VARIABLE)),
      via: STAGE_VARIABLE,
      region,
      endpoint,
    };
  }

  const defaultDir = resolve(DEFAULT_STATE_DIR);
  const state = readState(defaultDir);
  if (state) return { kind: "local", stateDir: defaultDir, state };

  throw new NotFoundError(
    `no deployment to talk to: no local runtime is running in ${defaultDir}, and no stack or table was named. Pass one of:\n${HOW_TO_TARGET}`,
  );
}

function turnTimeoutFrom(env: NodeJS.ProcessEnv): number {
  try {
    return readTurnFunctionTimeout(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function scheduleBackendFrom(value: string | undefined, source: string): ScheduleBackend {
  try {
    return parseScheduleBackend(value, source);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function checkedStage(stage: string, source: string): string {
  try {
    return validateStage(stage);
  } catch (error) {
    throw new UsageError(`${source}: ${(error as Error).message}`);
  }
}

/** A deployment the CLI is connected to: its table, queues, schedules and validation context. */
export interface Deployment {
  readonly kind: "local" | "aws";
  /** For people: "local runtime (.agentcron, pid 4242)", "stack agentcron-dev (us-east-1)". */
  readonly label: string;
  readonly table: TableContext;
  readonly store: DynamoStore;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly stage?: string;
  /** What the schedule rules are, for people: "local rules", "EventBridge rules ac-dev-*". */
  readonly schedulesLabel: string;
  /** Where a turn's logs are, for "Next:" hints. */
  readonly turnLogs: string;
  /** Where one run's log lines are read from (`agentcron logs RUN`). */
  readonly runLogs: RunLogSource;
  /** The sweeper's schedule, for doctor's hint. */
  readonly sweeperHint: string;
  readonly validation: JobValidationContext;
  /** Most turns the deployment runs at once (the turn function's event source), when known. */
  readonly turnConcurrency?: number;
  readonly clock: Clock;
  /**
   * A queue's URL.
   * @throws NotFoundError naming the output or variable that is missing.
   */
  queueUrl(role: "fires" | "turns", deadLetter?: boolean): string;
  /**
   * The deployment's schedule reconciler: the local runtime's table rules, or the stage's
   * EventBridge rules.
   * @throws UsageError when the target does not say which stage's rules these are.
   */
  schedules(): Promise<Schedules>;
  close(): void;
}

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
 * Connects to the deployment a spec names: for a stack, reads its outputs (DescribeStacks).
 * @throws NotFoundError when the stack does not exist or AWS cannot be reached.
 */
export async function connectTarget(spec: TargetSpec, clock: Clock = systemClock): Promise<Deployment> {
  const validationFor = (
    turnFunctionTimeoutSeconds: number,
    schedules: ScheduleBackend,
  ): JobValidationContext => ({
    catalog: builtInRegistry.catalog,
    functionTimeoutSeconds: turnFunctionTimeoutSeconds,
    schedules,
  });

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
  // One attempt per call: the reconcilers pace and retry throttling themselves, and the SDK would
  // retry EventBridge's LimitExceededException (the rule quota) as if it were throttling.
  const eventbridge = new EventBridgeClient({ ...clientConfig, maxAttempts: 1 });
  const scheduler = new SchedulerClient({ ...clientConfig, maxAttempts: 1 });
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
    validation: validationFor(
      config.turnFunctionTimeoutSeconds,
      config.schedules ?? DEFAULT_SCHEDULE_BACKEND,
    ),
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
        return createScheduleRules({ client: eventbridge, stage, firesQueueArn: arn, deadLetterQueueArn });
      }
      if (!schedulerRoleArn || !deadLetterQueueArn) {
        throw new NotFoundError(
          `the stage uses EventBridge Scheduler, but ${source} does not name its execution role and fires DLQ: ` +
            `target the stack with --stage ${stage}, or set ${SCHEDULER_ROLE_VARIABLE}`,
        );
      }
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
      eventbridge.destroy();
      scheduler.destroy();
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
