import { describe, expect, it } from "vitest";
import type { LocalRuntimeState } from "#local/runtime-state.ts";
import { NotFoundError, UsageError } from "../../../cli/exit-codes.ts";
import { RuntimeNotReadyError, resolveTarget } from "../../../cli/target.ts";

const state: LocalRuntimeState = {
  pid: 4242,
  startedAt: "2026-11-22T04:00:00.000Z",
  dynamodbEndpoint: "http://127.0.0.1:8000",
  sqsEndpoint: "http://127.0.0.1:9324",
  region: "us-east-1",
  tableName: "agentcron-local",
  queues: { firesQueueUrl: "f", firesDlqUrl: "fd", turnsQueueUrl: "t", turnsDlqUrl: "td" },
  serviceName: "agentcron-local",
  turnFunctionTimeoutSeconds: 656,
  logFile: "/tmp/agentcron.log",
};

const running = (dirs: string[]) => (stateDir: string) =>
  dirs.some((dir) => stateDir.endsWith(dir)) ? state : undefined;
const nothingRunning = () => undefined;
const environment = {
  AGENTCRON_TABLE_NAME: "agentcron-dev-table",
  AGENTCRON_FIRES_QUEUE_URL: "https://sqs/fires",
  AGENTCRON_FIRES_DLQ_URL: "https://sqs/fires-dlq",
};

describe("target resolution", () => {
  it("uses --local / --state-dir first, even when the environment names a table", () => {
    const target = resolveTarget(
      { stateDir: "/tmp/rt" },
      { env: environment, readState: running(["/tmp/rt"]) },
    );
    expect(target).toMatchObject({ kind: "local", stateDir: "/tmp/rt", state: { pid: 4242 } });
  });

  it("says how to start a runtime when --local names one that is not running", () => {
    expect(() => resolveTarget({ local: true }, { env: {}, readState: nothingRunning })).toThrow(
      NotFoundError,
    );
    expect(() => resolveTarget({ local: true }, { env: {}, readState: nothingRunning })).toThrow(/npm start/);
  });

  it("reads a stopped runtime's stored data for a history command, with --state-dir or by default", () => {
    const stored = (dataDir: string) => dataDir === "/tmp/rt/data" || dataDir.endsWith(".agentcron/data");
    const context = {
      env: {},
      readState: nothingRunning,
      readsHistory: true,
      hasStoredData: stored,
      lockHolder: () => undefined,
    };
    expect(resolveTarget({ stateDir: "/tmp/rt" }, context)).toEqual({
      kind: "stored",
      stateDir: "/tmp/rt",
      dataDir: "/tmp/rt/data",
    });
    expect(resolveTarget({}, context)).toMatchObject({
      kind: "stored",
      dataDir: expect.stringMatching(/\.agentcron\/data$/),
    });
  });

  it("prefers the running runtime over its stored data, and stored data over nothing only for history reads", () => {
    const stored = () => true;
    expect(
      resolveTarget(
        { stateDir: "/tmp/rt" },
        { env: {}, readState: running(["/tmp/rt"]), readsHistory: true, hasStoredData: stored },
      ),
    ).toMatchObject({ kind: "local" });
    const notHistory = () =>
      resolveTarget({ stateDir: "/tmp/rt" }, { env: {}, readState: nothingRunning, hasStoredData: stored });
    expect(notHistory).toThrow(NotFoundError);
    expect(notHistory).toThrow(
      "(The stopped runtime's stored history can be read: jobs list, jobs show, runs, inspect, logs and console.)",
    );
  });

  it("does not read the stored data while a runtime holds the state dir's lock without being up yet", () => {
    const holder = { pid: 4343, startTime: "b:1", startedAt: "2026-11-29T20:00:00.000Z" };
    const starting = () =>
      resolveTarget(
        { stateDir: "/tmp/rt" },
        {
          env: {},
          readState: nothingRunning,
          readsHistory: true,
          hasStoredData: () => true,
          lockHolder: (stateDir) => (stateDir === "/tmp/rt" ? holder : undefined),
        },
      );
    expect(starting).toThrow(RuntimeNotReadyError);
    expect(starting).toThrow(
      /\/tmp\/rt \(pid 4343, started 2026-11-29T20:00:00.000Z\) is starting or stopping/,
    );
    expect(starting).toThrow(/Run the command again in a few seconds/);
  });

  it("says how to start a runtime when a history command finds neither a runtime nor stored data (--in-memory)", () => {
    const nothing = () =>
      resolveTarget(
        { stateDir: "/tmp/rt" },
        { env: {}, readState: nothingRunning, readsHistory: true, hasStoredData: () => false },
      );
    expect(nothing).toThrow(/no local runtime is running with its state in \/tmp\/rt .*npm start/);
    expect(nothing).not.toThrow(/stored history/);
  });

  it("uses --stage / --stack next, as the stack agentcron-<stage>, over the environment and a running runtime", () => {
    const options = { env: { ...environment, AWS_REGION: "eu-west-1" }, readState: running([".agentcron"]) };
    expect(resolveTarget({ stage: "dev" }, options)).toEqual({
      kind: "stack",
      stackName: "agentcron-dev",
      via: "--stage",
      region: "eu-west-1",
      endpoint: undefined,
    });
    expect(
      resolveTarget({ stack: "mine", endpoint: "http://127.0.0.1:4566", region: "us-east-1" }, options),
    ).toMatchObject({
      kind: "stack",
      stackName: "mine",
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4566",
    });
  });

  it("uses the functions' environment variables when no flag names a target, over a running runtime", () => {
    const target = resolveTarget(
      {},
      { env: { ...environment, AGENTCRON_STAGE: "dev" }, readState: running([".agentcron"]) },
    );
    expect(target).toMatchObject({
      kind: "environment",
      config: {
        tableName: "agentcron-dev-table",
        firesQueueUrl: "https://sqs/fires",
        firesDlqUrl: "https://sqs/fires-dlq",
        turnsQueueUrl: undefined,
        stage: "dev",
        turnFunctionTimeoutSeconds: 900,
      },
    });
  });

  it("takes AGENTCRON_STAGE alone as the stage's stack", () => {
    expect(resolveTarget({}, { env: { AGENTCRON_STAGE: "local" }, readState: nothingRunning })).toMatchObject(
      {
        kind: "stack",
        stackName: "agentcron-local",
        via: "AGENTCRON_STAGE",
      },
    );
  });

  it("falls back to the local runtime running from .agentcron", () => {
    expect(resolveTarget({}, { env: {}, readState: running([".agentcron"]) })).toMatchObject({
      kind: "local",
    });
  });

  it("lists every way to name a target when nothing resolves", () => {
    const attempt = () => resolveTarget({}, { env: {}, readState: nothingRunning });
    expect(attempt).toThrow(NotFoundError);
    expect(attempt).toThrow(
      /--local[\s\S]*--state-dir DIR[\s\S]*--stage STAGE[\s\S]*--stack NAME[\s\S]*AGENTCRON_TABLE_NAME/,
    );
  });

  it("refuses two targets at once, and a stage that cannot name rules", () => {
    expect(() =>
      resolveTarget({ local: true, stage: "dev" }, { env: {}, readState: nothingRunning }),
    ).toThrow(UsageError);
    expect(() => resolveTarget({ stack: "a", stage: "dev" }, { env: {}, readState: nothingRunning })).toThrow(
      UsageError,
    );
    expect(() => resolveTarget({ stage: "Dev-2" }, { env: {}, readState: nothingRunning })).toThrow(
      UsageError,
    );
  });
});
