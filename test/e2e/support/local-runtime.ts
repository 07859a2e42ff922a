import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLease, getRun, listRuns } from "#adapters/dynamodb/reads.ts";
import type { JobSpec } from "#core/jobs/job-schema.ts";
import type { LeaseState } from "#core/leases/lease.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import { createFileLogger } from "#local/file-logger.ts";
import { type LocalRuntime, startLocalRuntime } from "#local/runtime.ts";
import { type CliResult, killLeftoverCliProcesses, runAgentcron } from "./cli.ts";

/** A local runtime started in this process for one test file, and the CLI pointed at it. */
export interface TestRuntime {
  readonly runtime: LocalRuntime;
  readonly stateDir: string;
  /** `agentcron --state-dir <this runtime> ARGS`, as a child process. */
  cli(args: readonly string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** Writes a jobs file into the runtime's folder and returns its path. */
  writeJobs(name: string, jobs: readonly (JobSpec | Record<string, unknown>)[]): string;
  run(jobId: string, runId: string): Promise<RunRecord | undefined>;
  runs(jobId: string): Promise<RunRecord[]>;
  lease(jobId: string): Promise<LeaseState | undefined>;
  /** Stops the runtime as Ctrl-C does, keeping its state dir (and its data, when persistent). */
  halt(): Promise<void>;
  /** Stops the runtime and deletes its state dir. */
  stop(): Promise<void>;
}

/**
 * Starts the embedded local runtime (DynamoDB Local in memory — or, `persistent`, in the state
 * dir's `data` as `npm start` keeps it — the SQS emulator, scheduler, pollers, turns in child
 * processes) with a temporary state dir, no jobs, and by default a sweep every 2 s (not every minute)
 * so lease expiries are noticed quickly.
 */
export async function startTestRuntime(
  options: {
    readonly sweepIntervalMs?: number;
    readonly maxConcurrentTurns?: number;
    readonly persistent?: boolean;
  } = {},
): Promise<TestRuntime> {
  const stateDir = mkdtempSync(join(tmpdir(), "agentcron-e2e-"));
  const log = createFileLogger({
    path: join(stateDir, "logs", "agentcron.log"),
    level: "INFO",
    fields: { service: "agentcron-e2e" },
  });
  const runtime = await startLocalRuntime({
    jobsFile: undefined,
    inMemory: options.persistent !== true,
    stateDir,
    sweepIntervalMs: options.sweepIntervalMs ?? 2_000,
    maxConcurrentTurns: options.maxConcurrentTurns,
    log,
  });
  const table = runtime.deps.store.table;
  return {
    runtime,
    stateDir,
    cli: (args, options) => runAgentcron(["--state-dir", stateDir, ...args], options),
    writeJobs(name, jobs) {
      const path = join(stateDir, name);
      writeFileSync(path, JSON.stringify({ jobs }, null, 2));
      return path;
    },
    run: (jobId, runId) => getRun(table, jobId, runId),
    runs: (jobId) => listRuns(table, jobId, { limit: 50 }),
    lease: (jobId) => getLease(table, jobId),
    halt: () => runtime.stop(),
    async stop() {
      killLeftoverCliProcesses();
      await runtime.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A job on the offline demo harness with short budgets (fits the runtime's default turn timeout). */
export function demoJob(spec: Partial<JobSpec> & { id: string; options?: Record<string, unknown> }): JobSpec {
  const { options, ...rest } = spec;
  return {
    schedule: "rate(1 hour)",
    agent: {
      harness: "demo",
      prompt: `Work for ${spec.id}`,
      options: options ?? { output: "done: {jobId}" },
    },
    timeouts: { agentTurnSeconds: 30 },
    ...rest,
  };
}
