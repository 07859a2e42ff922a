import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoStore } from "#adapters/dynamodb/dynamo-store.ts";
import type { Clock } from "#core/clock.ts";
import type { JobValidationContext } from "#core/jobs/job-schema.ts";
import { DynamoDbLocalStartError, startDynamoDbLocal } from "#local/emulators/dynamodb-local.ts";
import { runLogDirectory } from "#local/run-logs.ts";
import { runningRuntime } from "#local/runtime-lock.ts";
import { readRuntimeState } from "#local/runtime-state.ts";
import { NotFoundError, UsageError } from "./exit-codes.ts";
import type { Deployment, TargetSpec } from "./target.ts";

/** The table the local runtime creates (local/runtime.ts), looked for first in stored data. */
const LOCAL_TABLE_NAME = "agentcron-local";

export interface StoredDataOptions {
  readonly clock: Clock;
  readonly validation: JobValidationContext;
  /** Says what is happening (on stderr): starting DynamoDB Local takes a few seconds. */
  readonly notice: (text: string) => void;
  /** How the stored data is shown in labels: `.agentcron` rather than an absolute path. */
  readonly display: (path: string) => string;
}

/**
 * Opens a stopped local runtime's stored data for reading: copies its data folder to a temporary
 * one and starts DynamoDB Local on the copy. The runtime's own files are never opened — a runtime
 * started meanwhile cannot meet a second database server on its file — and `close()` stops the
 * server and deletes the copy.
 *
 * @returns undefined when a runtime took the state folder's lock meanwhile (use it instead).
 * @throws NotFoundError when DynamoDB Local cannot start (no Java) or the data holds no table.
 */
export async function openStoredData(
  spec: Extract<TargetSpec, { kind: "stored" }>,
  options: StoredDataOptions,
): Promise<Deployment | undefined> {
  const where = options.display(spec.stateDir);
  options.notice(
    `agentcron: no local runtime is running in ${where}; reading its stored data (DynamoDB Local on a copy of ${options.display(spec.dataDir)}, a few seconds)...`,
  );
  const copy = mkdtempSync(join(tmpdir(), "agentcron-stored-"));
  // Ctrl-C or a kill while the copy is open: exit, which stops DynamoDB Local (its wrapper stops it
  // when our end of its pipe closes) and removes the copy, instead of leaving both behind — unless
  // the command stops on that signal itself (`console`) and then closes the deployment.
  const interrupted = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) === 0) process.exit(130);
  };
  const discardNow = () => rmSync(copy, { recursive: true, force: true });
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  process.once("exit", discardNow);
  const discard = () => {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    process.off("exit", discardNow);
    discardNow();
  };
  try {
    // Copy-on-write where the file system offers it; a plain copy elsewhere.
    cpSync(spec.dataDir, copy, { recursive: true });
  } catch (error) {
    discard();
    throw new NotFoundError(`cannot read the stored data in ${spec.dataDir}: ${(error as Error).message}`);
  }
  // A runtime that took the state dir's lock while we copied may have been writing: the copy may
  // be torn, so read from the runtime instead (or wait for it, when it is not up yet).
  if (runningRuntime(spec.stateDir) || readRuntimeState(spec.stateDir)) {
    discard();
    return undefined;
  }

  let server: Awaited<ReturnType<typeof startDynamoDbLocal>>;
  try {
    server = await startDynamoDbLocal({ dataDir: copy });
  } catch (error) {
    discard();
    const reason = error instanceof DynamoDbLocalStartError ? error.message : String(error);
    throw new NotFoundError(
      `the local runtime in ${where} is not running, and its stored data cannot be read without starting DynamoDB Local: ${reason}\nOr start the runtime (npm start) and run the command again.`,
    );
  }
  const credentials = { accessKeyId: "local", secretAccessKey: "local" };
  const region = "us-east-1";
  const dynamodb = new DynamoDBClient({ endpoint: server.endpoint, region, credentials, maxAttempts: 2 });
  // History commands never touch a queue (they live only while the runtime runs); the client is
  // here because a deployment has one, and points nowhere useful.
  const sqs = new SQSClient({ endpoint: "http://127.0.0.1:9", region, credentials, maxAttempts: 1 });
  const close = async () => {
    dynamodb.destroy();
    sqs.destroy();
    await server.stop();
    discard();
  };
  try {
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const tableName = TableNames.includes(LOCAL_TABLE_NAME) ? LOCAL_TABLE_NAME : TableNames[0];
    if (!tableName) {
      throw new NotFoundError(`the stored data in ${options.display(spec.dataDir)} holds no agentcron table`);
    }
    const table = { client: dynamodb, tableName };
    return {
      kind: "stored",
      label: `the stored data of the local runtime in ${where} (not running)`,
      table,
      store: createDynamoStore(table),
      sqs,
      dynamodb,
      schedulesLabel: "local schedule rules (stored)",
      turnLogs: join(spec.stateDir, "logs", "agentcron.log"),
      runLogs: { kind: "file", directory: runLogDirectory(spec.stateDir) },
      sweeperHint: `the local runtime in ${where} is not running; start it with npm start`,
      validation: options.validation,
      clock: options.clock,
      queueUrl: () => {
        throw new NotFoundError(
          `the local runtime in ${where} is not running, and its queues exist only while it runs: start it with npm start`,
        );
      },
      schedules: () =>
        Promise.reject(
          new UsageError(
            `the local runtime in ${where} is not running; its stored data is only read here. Start it (npm start) to change jobs.`,
          ),
        ),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
