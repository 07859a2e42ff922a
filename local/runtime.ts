import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse } from "aws-lambda";
import { RecordingEvents } from "#adapters/events/eventbridge-events.ts";
import { loadJobSet } from "#adapters/job-set-file.ts";
import { createTableSchedules } from "#adapters/local-schedules/table-schedules.ts";
import { type ApplyJobsReport, applyJobs } from "#core/jobs/apply-jobs.ts";
import { LAMBDA_MAX_TIMEOUT_SECONDS } from "#core/jobs/time-budget.ts";
import type { Logger } from "#core/logger.ts";
import { createDependencies, type Dependencies } from "#functions/commons/dependencies.ts";
import { dispatchDependenciesOf, sweepDependenciesOf } from "#functions/commons/wiring.ts";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import { createSweepHandler } from "#functions/handlers/sweep-handler.ts";
import { startDynamoDbLocal } from "./emulators/dynamodb-local.ts";
import { startSqsEmulator } from "./emulators/sqs-emulator.ts";
import { appendLogLine } from "./file-logger.ts";
import { invokeInChildProcess } from "./lambda/invoke-in-child.ts";
import { createLoggingMetrics } from "./logging-metrics.ts";
import { QueuePoller } from "./queue-poller.ts";
import { ensureQueues, ensureTable } from "./resources.ts";
import { type LocalRuntimeState, removeRuntimeState, writeRuntimeState } from "./runtime-state.ts";
import { LocalScheduler } from "./scheduler.ts";

export interface LocalRuntimeOptions {
  /** The job set to apply at start; none when undefined (`npm start` passes jobs.json). */
  readonly jobsFile?: string;
  /** Keep DynamoDB data in memory only (gone at exit). @default false */
  readonly inMemory?: boolean;
  /** Where state, data and logs live. @default ".agentcron" */
  readonly stateDir?: string;
  /** @default 4 */
  readonly maxConcurrentTurns?: number;
  /** @default 60000 (EventBridge runs the sweeper every minute) */
  readonly sweepIntervalMs?: number;
  readonly log: Logger;
  /** @default 30 */
  readonly dispatchTimeoutSeconds?: number;
}

/** A turn invocation in flight: one child process. */
export interface ActiveInvocation {
  readonly pid: number;
  readonly startedAt: number;
  readonly jobId: string;
  readonly runId: string;
}

export interface LocalRuntime {
  readonly state: LocalRuntimeState;
  readonly deps: Dependencies;
  readonly scheduler: LocalScheduler;
  readonly applied: ApplyJobsReport | undefined;
  readonly activeInvocations: ReadonlyMap<number, ActiveInvocation>;
  /** Stops scheduling, asks running turns to stop and record themselves, stops the emulators. */
  stop(): Promise<void>;
}

export const LOCAL_TABLE_NAME = "agentcron-local";
export const LOCAL_QUEUE_PREFIX = "agentcron-local";
const LOCAL_SERVICE_NAME = "agentcron-local";
const LOCAL_REGION = "us-east-1";

/**
 * The embedded default (`npm start`): DynamoDB Local and the SQS emulator on loopback, the table
 * and queues from the same definitions the CDK stack uses, jobs.json applied, then the same
 * handlers that run in Lambda — a scheduler standing in for EventBridge, pollers standing in for
 * the event source mappings, each turn in its own child process killed at the function's timeout,
 * and the sweeper every minute.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const stateDir = resolve(options.stateDir ?? ".agentcron");
  const logFile = join(stateDir, "logs", "agentcron.log");
  const log = options.log;
  const jobSet = options.jobsFile ? loadJobSet(options.jobsFile) : undefined;
  // In AWS the turn function's timeout is derived from the deployed jobs (and a job applied later
  // must fit in it). Locally nothing is deployed: allow Lambda's maximum, so any valid job applied
  // with the CLI later runs; each run still stops at its own maxRunSeconds.
  const turnTimeoutSeconds = LAMBDA_MAX_TIMEOUT_SECONDS;
  const turnConcurrency = options.maxConcurrentTurns ?? 4;

  const dataDir = options.inMemory ? undefined : join(stateDir, "data");
  const [dynamodb, sqs] = await Promise.all([startDynamoDbLocal({ dataDir }), startSqsEmulator()]);
  const stopEmulators = async () => {
    await Promise.allSettled([sqs.stop(), dynamodb.stop()]);
  };
  try {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const clients = {
      dynamodb: new DynamoDBClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials }),
      sqs: new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials }),
      eventbridge: new EventBridgeClient({
        endpoint: "http://127.0.0.1:9",
        region: LOCAL_REGION,
        credentials,
      }),
    };
    await ensureTable(clients.dynamodb, LOCAL_TABLE_NAME);
    const queues = await ensureQueues(clients.sqs, LOCAL_QUEUE_PREFIX, {
      dispatchSeconds: options.dispatchTimeoutSeconds ?? 30,
      turnSeconds: turnTimeoutSeconds,
    });
    const deps = createDependencies(
      {
        tableName: LOCAL_TABLE_NAME,
        ...queues,
        turnFunctionTimeoutSeconds: turnTimeoutSeconds,
        serviceName: LOCAL_SERVICE_NAME,
      },
      { clients, log, metrics: createLoggingMetrics(log), events: new RecordingEvents() },
    );
    const schedules = createTableSchedules(deps.store.table, deps.clock);
    const applied = jobSet
      ? await applyJobs(
          jobSet.document,
          {
            jobs: deps.store.jobs,
            clock: deps.clock,
            validation: deps.validation,
            schedules,
          },
          { turnConcurrency },
        )
      : undefined;
    for (const warning of applied?.warnings ?? []) log.warn(`jobs: ${warning.message}`);

    const state: LocalRuntimeState = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dynamodbEndpoint: dynamodb.endpoint,
      sqsEndpoint: sqs.endpoint,
      region: LOCAL_REGION,
      tableName: LOCAL_TABLE_NAME,
      queues,
      serviceName: LOCAL_SERVICE_NAME,
      turnFunctionTimeoutSeconds: turnTimeoutSeconds,
      turnConcurrency,
      dataDir,
      logFile,
    };
    writeRuntimeState(state, stateDir);

    const scheduler = new LocalScheduler({
      table: deps.store.table,
      fires: deps.fires,
      clock: deps.clock,
      log,
    });
    const dispatch = createDispatchHandler(dispatchDependenciesOf(deps));
    const sweepOnce = createSweepHandler(sweepDependenciesOf(deps));

    const shutdown = new AbortController();
    const active = new Map<number, ActiveInvocation>();
    const turnEnvironment = childEnvironment(state);
    const arnOf = async (url: string) =>
      (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] })))
        .Attributes?.QueueArn ?? url;

    const firesPoller = new QueuePoller({
      sqs: clients.sqs,
      queueUrl: queues.firesQueueUrl,
      queueArn: await arnOf(queues.firesQueueUrl),
      batchSize: 10,
      maxConcurrency: 2,
      invoke: (event) => dispatch(event),
      log,
    });
    const turnsPoller = new QueuePoller({
      sqs: clients.sqs,
      queueUrl: queues.turnsQueueUrl,
      queueArn: await arnOf(queues.turnsQueueUrl),
      batchSize: 1,
      maxConcurrency: turnConcurrency,
      log,
      invoke: async (event) => {
        const message = safeJson(event.Records[0]?.body);
        let pid = 0;
        const result = await invokeInChildProcess<SQSBatchResponse>({
          entry: "functions/turn.ts",
          event,
          functionName: "turn",
          timeoutMs: turnTimeoutSeconds * 1000,
          env: turnEnvironment,
          shutdownSignal: shutdown.signal,
          onSpawn: (spawned) => {
            pid = spawned;
            active.set(pid, {
              pid,
              startedAt: Date.now(),
              jobId: String(message?.jobId),
              runId: String(message?.runId),
            });
          },
          onLine: (line) => appendLogLine(logFile, line),
        });
        active.delete(pid);
        if (result.kind === "returned") return result.result;
        if (result.kind === "timed-out") {
          log.error(`Task timed out after ${turnTimeoutSeconds} seconds`, {
            function: "turn",
            runId: message?.runId,
          });
        } else {
          log.error("turn invocation failed", { function: "turn", runId: message?.runId, result });
        }
        return undefined;
      },
    });

    scheduler.start();
    firesPoller.start();
    turnsPoller.start();
    const runSweep = () =>
      sweepOnce().catch((error: unknown) => log.error("sweep failed", { error: String(error) }));
    void runSweep();
    const sweepTimer = setInterval(runSweep, options.sweepIntervalMs ?? 60_000);

    let stopping: Promise<void> | undefined;
    return {
      state,
      deps,
      scheduler,
      applied,
      activeInvocations: active,
      stop() {
        stopping ??= (async () => {
          scheduler.stop();
          clearInterval(sweepTimer);
          shutdown.abort();
          await turnsPoller.stop();
          await firesPoller.stop();
          removeRuntimeState(stateDir);
          for (const client of Object.values(clients)) client.destroy();
          await stopEmulators();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopEmulators();
    throw error;
  }
}

/**
 * The environment of a turn's process — the variables the CDK stack sets on the turn function,
 * pointing at the emulators. The user's own environment passes through (API keys for `env:`
 * references; real AWS credentials for the bedrock harness); the service endpoints are per
 * service, so only DynamoDB and SQS go to the emulators.
 */
function childEnvironment(state: LocalRuntimeState): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    ...inherited,
    AWS_REGION: process.env.AWS_REGION ?? state.region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? "local",
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
    AWS_ENDPOINT_URL_DYNAMODB: state.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: state.sqsEndpoint,
    AGENTCRON_TABLE_NAME: state.tableName,
    AGENTCRON_FIRES_QUEUE_URL: state.queues.firesQueueUrl,
    AGENTCRON_FIRES_DLQ_URL: state.queues.firesDlqUrl,
    AGENTCRON_TURNS_QUEUE_URL: state.queues.turnsQueueUrl,
    AGENTCRON_TURNS_DLQ_URL: state.queues.turnsDlqUrl,
    AGENTCRON_TURN_FUNCTION_TIMEOUT_SECONDS: String(state.turnFunctionTimeoutSeconds),
    POWERTOOLS_SERVICE_NAME: state.serviceName,
  };
}

function safeJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
