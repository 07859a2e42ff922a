import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import type { TableContext } from "#adapters/dynamodb/table-context.ts";
import { validateStage } from "#adapters/eventbridge/rule-names.ts";
import type { Clock } from "#core/clock.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import { parseScheduleBackend, type ScheduleBackend } from "#core/jobs/schedule-backend.ts";
import type { Schedules } from "#core/ports.ts";
import { ENVIRONMENT, readTurnFunctionTimeout } from "#functions/commons/environment.ts";
import { stackNameOf } from "#infra/naming.ts";
import { type RuntimeLockHolder, runningRuntime } from "#local/runtime-lock.ts";
import { DEFAULT_STATE_DIR, type LocalRuntimeState, readRuntimeState } from "#local/runtime-state.ts";
import { NotFoundError, UsageError } from "./exit-codes.ts";
import type { RunLogSource } from "./run-logs/run-log-source.ts";

// Which deployment a command talks to (pure: flags, environment, the local runtime's state file).
// Connecting to it — the AWS SDK clients — is cli/connect.ts, loaded only by commands that need it.

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
      /** A stopped local runtime's stored data, read with a DynamoDB Local of our own (history reads). */
      readonly kind: "stored";
      readonly stateDir: string;
      readonly dataDir: string;
    }
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
 * For a command that only reads history (`readsHistory`), a local runtime that is not running
 * (1 or 4) resolves to its stored data when it kept any (`npm start` without `--in-memory`) — but
 * never while a runtime holds the state dir's lock (local/runtime-lock.ts) without having
 * published where it listens yet: it is starting or stopping, and its data is changing.
 *
 * @throws UsageError when flags name two targets; NotFoundError when nothing resolves.
 */
export function resolveTarget(
  options: TargetOptions,
  context: {
    readonly env: NodeJS.ProcessEnv;
    readonly readState?: (stateDir: string) => LocalRuntimeState | undefined;
    /** The command only reads the table: a stopped local runtime's stored data will do. */
    readonly readsHistory?: boolean;
    /** @default whether DIR holds DynamoDB Local's database file */
    readonly hasStoredData?: (dataDir: string) => boolean;
    /** @default the live holder of DIR's runtime lock (runningRuntime) */
    readonly lockHolder?: (stateDir: string) => RuntimeLockHolder | undefined;
  },
): TargetSpec {
  const { env } = context;
  const readState = context.readState ?? readRuntimeState;
  const hasStoredData = context.hasStoredData ?? storedDataExists;
  const lockHolder = context.lockHolder ?? runningRuntime;
  /** A stopped runtime in `stateDir`: its stored data for a history read, else undefined. */
  const storedIn = (stateDir: string): TargetSpec | undefined => {
    const dataDir = join(stateDir, "data");
    if (!context.readsHistory || !hasStoredData(dataDir)) return undefined;
    const holder = lockHolder(stateDir);
    if (holder) throw new RuntimeNotReadyError(stateDir, holder);
    return { kind: "stored", stateDir, dataDir };
  };
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
    if (state) return { kind: "local", stateDir, state };
    const stored = storedIn(stateDir);
    if (stored) return stored;
    throw new NotFoundError(
      `no local runtime is running with its state in ${stateDir} (no live local-runtime.json there). ` +
        "Start one with `npm start`" +
        (options.stateDir ? ` -- --state-dir ${options.stateDir}` : "") +
        ", or target a deployed stack with --stage STAGE." +
        storedDataHint(stateDir, hasStoredData, context.readsHistory, " "),
    );
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
  const stored = storedIn(defaultDir);
  if (stored) return stored;

  throw new NotFoundError(
    `no deployment to talk to: no local runtime is running in ${defaultDir}, and no stack or table was named. Pass one of:\n${HOW_TO_TARGET}` +
      storedDataHint(defaultDir, hasStoredData, context.readsHistory, "\n"),
  );
}

/**
 * A runtime holds the state dir's lock but has not published its endpoints (local-runtime.json):
 * it is starting or stopping. Its data is in use, so it is not read from the side.
 */
export class RuntimeNotReadyError extends NotFoundError {
  override name = "RuntimeNotReadyError";
  constructor(stateDir: string, holder: RuntimeLockHolder) {
    super(
      `the local runtime in ${stateDir} (pid ${holder.pid}, started ${holder.startedAt}) is starting or stopping: ` +
        "its data is in use and it does not answer yet. Run the command again in a few seconds.",
    );
  }
}

/** The commands that read a stopped local runtime's history, for messages. */
export const HISTORY_COMMANDS = "jobs list, jobs show, runs, inspect, logs and console";

function storedDataExists(dataDir: string): boolean {
  // DynamoDB Local's database file with -sharedDb (local/emulators/dynamodb-local.ts).
  return existsSync(join(dataDir, "shared-local-instance.db"));
}

/** For a command that needs the runtime running, while its stored history could be read. */
function storedDataHint(
  stateDir: string,
  hasStoredData: (dataDir: string) => boolean,
  readsHistory: boolean | undefined,
  separator: string,
): string {
  if (readsHistory || !hasStoredData(join(stateDir, "data"))) return "";
  return `${separator}(The stopped runtime's stored history can be read: ${HISTORY_COMMANDS}.)`;
}

function turnTimeoutFrom(env: NodeJS.ProcessEnv): number {
  try {
    return readTurnFunctionTimeout(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The schedule backend a variable or stack output names (`rules` when unset). */
export function scheduleBackendFrom(value: string | undefined, source: string): ScheduleBackend {
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
  /** `stored`: a stopped local runtime's data, read-only (history commands only). */
  readonly kind: "local" | "stored" | "aws";
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
  /** Releases the clients (and stops what was started to read stored data). */
  close(): void | Promise<void>;
}
