import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { loadJobSet } from "#adapters/job-set-file.ts";
import {
  createLocalScheduleInspector,
  createTableSchedules,
} from "#adapters/local-schedules/table-schedules.ts";
import { type ApplyJobsReport, applyJobs } from "#core/jobs/apply-jobs.ts";
import { LAMBDA_MAX_TIMEOUT_SECONDS } from "#core/jobs/time-budget.ts";
import type { Logger } from "#core/logger.ts";
import { RecordingEvents } from "#core/recording/recording-events.ts";
import { createDependencies, type Dependencies } from "#functions/commons/dependencies.ts";
import { dispatchDependenciesOf, sweepDependenciesOf } from "#functions/commons/wiring.ts";
import { createDispatchHandler } from "#functions/handlers/dispatch-handler.ts";
import { createSweepHandler } from "#functions/handlers/sweep-handler.ts";
import { startDynamoDbLocal } from "./emulators/dynamodb-local.ts";
import { startSqsEmulator } from "./emulators/sqs-emulator.ts";
import { appendLogLine } from "./file-logger.ts";
import { createLoggingMetrics } from "./logging-metrics.ts";
import { identifyProcess } from "./processes/process-identity.ts";
import {
  ProcessLedger,
  processLedgerPath,
  type RecordedProcess,
  readProcessLedger,
  removeProcessLedger,
} from "./processes/process-ledger.ts";
import { startGuardian } from "./processes/start-guardian.ts";
import { stopRecordedProcesses } from "./processes/stop-recorded-processes.ts";
import { QueuePoller } from "./queue-poller.ts";
import { ensureQueues, ensureTable } from "./resources.ts";
import { appendRunLogLine, runLogDirectory, withRunLogs } from "./run-logs.ts";
import { acquireRuntimeLock, type RuntimeLock, type RuntimeLockHolder } from "./runtime-lock.ts";
import { type LocalRuntimeState, removeRuntimeState, writeRuntimeState } from "./runtime-state.ts";
import { LocalScheduler } from "./scheduler.ts";
import { type ActiveInvocation, createTurnInvoker } from "./turn-invoker.ts";
import { stopTurnsOfOverRuns } from "./turn-reaper.ts";

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
  /** The state directory's lock, when the caller took it first; otherwise taken here. */
  readonly lock?: RuntimeLock;
}

export type { ActiveInvocation } from "./turn-invoker.ts";

export interface LocalRuntime {
  readonly state: LocalRuntimeState;
  readonly deps: Dependencies;
  readonly scheduler: LocalScheduler;
  readonly applied: ApplyJobsReport | undefined;
  readonly activeInvocations: ReadonlyMap<number, ActiveInvocation>;
  /** Processes a runtime killed earlier on this state directory left running, stopped at start. */
  readonly orphansStopped: readonly RecordedProcess[];
  /** The runtime whose stale lock this one took over (it was killed, or crashed), if any. */
  readonly tookOverFrom?: RuntimeLockHolder;
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
  const runLogs = runLogDirectory(stateDir);
  // Everything said about a run — by its turn, dispatch, the sweeper, this runtime — also goes to
  // the run's own log file (`agentcron logs RUN`).
  const log = withRunLogs(options.log, runLogs);
  // One runtime per state directory: a second one would open the same data file (lock time-outs,
  // lost run records) and overwrite the state the CLI reads. Throws RuntimeAlreadyRunningError.
  const lock = options.lock ?? acquireRuntimeLock(stateDir);
  const releaseLockOnExit = () => lock.release();
  process.once("exit", releaseLockOnExit);
  if (lock.tookOverFrom) {
    log.info("took over the lock of a runtime that is gone (killed or crashed)", {
      previousPid: lock.tookOverFrom.pid,
      previousStartedAt: lock.tookOverFrom.startedAt,
    });
  }
  const ledgerPath = processLedgerPath(stateDir);
  // What a killed runtime left running (its guardian killed too, or a turn ignoring it) must be
  // gone before DynamoDB Local opens the data file again.
  const orphansStopped = await stopRecordedProcesses(readProcessLedger(ledgerPath));
  if (orphansStopped.length > 0) {
    log.warn("stopped processes left running by a runtime that was killed", {
      stopped: orphansStopped.map((entry) => ({ pid: entry.pid, what: entry.description })),
    });
  }
  const ledger = new ProcessLedger(ledgerPath);
  ledger.clear();
  const guardian = startGuardian(ledgerPath, logFile);
  const releaseRuntime = async () => {
    ledger.clear();
    await guardian.stop();
    removeProcessLedger(ledgerPath);
    lock.release();
    process.off("exit", releaseLockOnExit);
  };

  let jobSet: ReturnType<typeof loadJobSet> | undefined;
  let dynamodb: Awaited<ReturnType<typeof startDynamoDbLocal>> | undefined;
  let sqs: Awaited<ReturnType<typeof startSqsEmulator>> | undefined;
  try {
    jobSet = options.jobsFile ? loadJobSet(options.jobsFile, "local") : undefined;
    [dynamodb, sqs] = await Promise.all([
      startDynamoDbLocal({ dataDir: options.inMemory ? undefined : join(stateDir, "data") }),
      startSqsEmulator(),
    ]);
    for (const [pid, what] of [
      [dynamodb.wrapperPid, "DynamoDB Local (its wrapper)"],
      [dynamodb.javaPid, "DynamoDB Local (java)"],
    ] as const) {
      const identity = identifyProcess(pid);
      if (identity)
        ledger.record({
          ...identity,
          role: "dynamodb-local",
          leadsGroup: pid === dynamodb.wrapperPid,
          description: what,
        });
    }
  } catch (error) {
    await Promise.allSettled([sqs?.stop(), dynamodb?.stop()]);
    await releaseRuntime();
    throw error;
  }
  const emulators = { dynamodb, sqs };
  const stopEmulators = async () => {
    await Promise.allSettled([emulators.sqs.stop(), emulators.dynamodb.stop()]);
  };
  // In AWS the turn function's timeout is derived from the deployed jobs (and a job applied later
  // must fit in it). Locally nothing is deployed: jobs are validated against Lambda's maximum, so
  // any valid job applied with the CLI later runs; each turn's process is still killed at its own
  // job's ceiling plus the margin (turn-invoker.ts).
  const turnTimeoutSeconds = LAMBDA_MAX_TIMEOUT_SECONDS;
  const turnConcurrency = options.maxConcurrentTurns ?? 4;
  const dataDir = options.inMemory ? undefined : join(stateDir, "data");
  try {
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    const clients = {
      dynamodb: new DynamoDBClient({ endpoint: dynamodb.endpoint, region: LOCAL_REGION, credentials }),
      sqs: new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials }),
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
        schedules: "local",
      },
      {
        clients,
        log,
        metrics: createLoggingMetrics(log),
        events: new RecordingEvents(),
        // The sweeper's view of a job's local rule when one of its fires never arrives.
        scheduleInspector: createLocalScheduleInspector({
          client: clients.dynamodb,
          tableName: LOCAL_TABLE_NAME,
        }),
      },
    );
    const schedules = createTableSchedules(deps.store.table, deps.clock);
    // The file's authority, as a deploy has it (core/jobs/job-ownership.ts): its jobs are stored as
    // the file's, those that left it are pruned, CLI-applied jobs and an operator's pause or
    // resume of a file job are kept.
    const applied = jobSet
      ? await applyJobs(
          jobSet.document,
          {
            jobs: deps.store.jobs,
            clock: deps.clock,
            validation: deps.validation,
            schedules,
            fireWatch: deps.store.fireWatch,
          },
          { source: "file", prune: true, allowEmpty: true, turnConcurrency },
        )
      : undefined;
    for (const warning of applied?.warnings ?? []) log.warn(`jobs: ${warning.message}`);

    const state: LocalRuntimeState = {
      pid: process.pid,
      processStartTime: lock.holder.startTime,
      startedAt: lock.holder.startedAt,
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
      runLogDir: runLogs,
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
    const turns = createTurnInvoker({
      jobs: deps.store.jobs,
      validation: deps.validation,
      env: childEnvironment(state),
      ledger,
      shutdownSignal: shutdown.signal,
      log,
      onLine: (line, run) => {
        appendLogLine(logFile, line);
        // Metrics (CloudWatch EMF documents) are not the run's log lines; in AWS they carry no run id.
        if (!line.startsWith('{"_aws"')) appendRunLogLine(runLogs, run.runId, line);
      },
    });
    const stopOverTurns = () =>
      stopTurnsOfOverRuns({
        table: deps.store.table,
        active: turns.active,
        now: () => deps.clock.now(),
        log,
      });
    const arnOf = async (url: string) =>
      (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] })))
        .Attributes?.QueueArn ?? url;

    const firesPoller = new QueuePoller({
      sqs: clients.sqs,
      queueUrl: queues.firesQueueUrl,
      queueArn: await arnOf(queues.firesQueueUrl),
      batchSize: 10,
      maxConcurrency: 2,
      // Dispatch ends the run of an overdue holder it meets: its process goes first.
      invoke: async (event) => {
        await stopOverTurns();
        return dispatch(event);
      },
      log,
    });
    const turnsPoller = new QueuePoller({
      sqs: clients.sqs,
      queueUrl: queues.turnsQueueUrl,
      queueArn: await arnOf(queues.turnsQueueUrl),
      batchSize: 1,
      maxConcurrency: turnConcurrency,
      log,
      invoke: turns.invoke,
    });

    scheduler.start();
    firesPoller.start();
    turnsPoller.start();
    // The sweeper ends overdue runs with a diagnostic: their processes are killed first, so "its
    // process is gone" is true when it is written; and again after, for a run ended meanwhile.
    const runSweep = async () => {
      try {
        await stopOverTurns();
        await sweepOnce();
        await stopOverTurns();
      } catch (error) {
        log.error("sweep failed", { error: String(error) });
      }
    };
    void runSweep();
    const sweepTimer = setInterval(runSweep, options.sweepIntervalMs ?? 60_000);

    let stopping: Promise<void> | undefined;
    return {
      state,
      deps,
      scheduler,
      applied,
      activeInvocations: turns.active,
      orphansStopped,
      tookOverFrom: lock.tookOverFrom,
      stop() {
        stopping ??= (async () => {
          await scheduler.stop();
          clearInterval(sweepTimer);
          shutdown.abort();
          await turnsPoller.stop();
          await firesPoller.stop();
          removeRuntimeState(stateDir, process.pid);
          for (const client of Object.values(clients)) client.destroy();
          await stopEmulators();
          await releaseRuntime();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await stopEmulators();
    await releaseRuntime();
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
    // No EventBridge here: the turn's lifecycle events go to its log lines, explicitly.
    AGENTCRON_LIFECYCLE_EVENTS: "log",
    // No alarm topic either: a turn's job-health changes go to the runtime's log.
    AGENTCRON_HEALTH_NOTIFICATIONS: "log",
    POWERTOOLS_SERVICE_NAME: state.serviceName,
    AGENTCRON_SCHEDULES: "local",
  };
}
