import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { QueueUrls } from "#adapters/sqs/create-queues.ts";
import { identifyProcess, isSameProcessAlive } from "./processes/process-identity.ts";

/**
 * What a running local runtime publishes for the CLI (`npx agentcron ... --local`, the default
 * when it is running): where its emulators listen and what its resources are called.
 */
export interface LocalRuntimeState {
  readonly pid: number;
  /** The runtime process's start time (see process-identity.ts): a reused PID is not taken for it. */
  readonly processStartTime?: string;
  readonly startedAt: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly region: string;
  readonly tableName: string;
  readonly queues: QueueUrls;
  readonly serviceName: string;
  readonly turnFunctionTimeoutSeconds: number;
  /** Most turns it runs at once (its stand-in for the turn function's maximum concurrency). */
  readonly turnConcurrency?: number;
  readonly dataDir?: string;
  readonly logFile: string;
  /** Where each run's own log file is (`<runId>.log`): `agentcron logs RUN` reads it. */
  readonly runLogDir?: string;
}

export const DEFAULT_STATE_DIR = ".agentcron";

export function runtimeStatePath(stateDir = DEFAULT_STATE_DIR): string {
  return join(stateDir, "local-runtime.json");
}

export function writeRuntimeState(state: LocalRuntimeState, stateDir = DEFAULT_STATE_DIR): void {
  const path = runtimeStatePath(stateDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** The state of a local runtime that is still running, or undefined (none, or a stale file). */
export function readRuntimeState(stateDir = DEFAULT_STATE_DIR): LocalRuntimeState | undefined {
  const path = runtimeStatePath(stateDir);
  if (!existsSync(path)) return undefined;
  try {
    const state = JSON.parse(readFileSync(path, "utf8")) as LocalRuntimeState;
    const alive =
      state.processStartTime === undefined
        ? identifyProcess(state.pid) !== undefined
        : isSameProcessAlive({ pid: state.pid, startTime: state.processStartTime });
    return alive ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the published state — only the one `pid` wrote, never a newer runtime's. */
export function removeRuntimeState(stateDir = DEFAULT_STATE_DIR, pid?: number): void {
  const path = runtimeStatePath(stateDir);
  if (pid !== undefined) {
    try {
      if ((JSON.parse(readFileSync(path, "utf8")) as LocalRuntimeState).pid !== pid) return;
    } catch {
      return;
    }
  }
  rmSync(path, { force: true });
}
