import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { turnTimeoutFor } from "#adapters/job-set-file.ts";
import { type JobValidationContext, validateJob } from "#core/jobs/job-schema.ts";
import { FALLBACK_RUN_SETTINGS } from "#core/jobs/run-settings.ts";
import type { Logger } from "#core/logger.ts";
import type { JobStore } from "#core/ports.ts";
import {
  type InvocationHandle,
  type InvocationResult,
  invokeInChildProcess,
} from "./lambda/invoke-in-child.ts";
import { identifyProcess } from "./processes/process-identity.ts";
import type { ProcessLedger } from "./processes/process-ledger.ts";

/** A turn invocation in flight: one child process, leading its own process group. */
export interface ActiveInvocation {
  readonly pid: number;
  readonly startedAt: number;
  readonly jobId: string;
  readonly runId: string;
  /** The function timeout it runs under: its job's ceiling plus the margin (seconds). */
  readonly timeoutSeconds: number;
  /** Its job's ceiling, as the sweeper judges the run by it. */
  readonly maxRunSeconds: number;
  readonly handle: InvocationHandle;
  /** Settles once the process, and every process group it started, is gone. */
  readonly ended: Promise<InvocationResult<SQSBatchResponse>>;
}

export interface TurnInvokerOptions {
  readonly jobs: Pick<JobStore, "getJob">;
  readonly validation: JobValidationContext;
  /** Environment of the turn processes (the turn function's variables, pointing at the emulators). */
  readonly env: Readonly<Record<string, string>>;
  readonly ledger: ProcessLedger;
  readonly shutdownSignal: AbortSignal;
  readonly log: Logger;
  /** Each line a turn process writes (its JSON logs). */
  readonly onLine: (line: string, invocation: { jobId: string; runId: string }) => void;
}

/**
 * The local runtime's stand-in for Lambda invoking the turn function: each message from the turns
 * queue runs in a child process of its own, killed at the function timeout its job would get in
 * AWS — its `maxRunSeconds` plus the margin the stack adds (`turnTimeoutFor`) — so a turn that
 * blocks its event loop frees its slot at its own ceiling, not at Lambda's 900 s maximum. Every
 * process it starts is recorded in the ledger until it ends (the guardian and the next start stop
 * what a killed runtime left).
 */
export function createTurnInvoker(options: TurnInvokerOptions) {
  const active = new Map<number, ActiveInvocation>();

  async function invoke(event: SQSEvent): Promise<SQSBatchResponse | undefined> {
    const message = safeJson(event.Records[0]?.body);
    const jobId = String(message?.jobId);
    const runId = String(message?.runId);
    const { maxRunSeconds, timeoutSeconds } = await timeoutsOf(jobId);
    const log = options.log.child({ function: "turn", jobId, runId });
    let resolveEnded: (result: InvocationResult<SQSBatchResponse>) => void = () => {};
    const ended = new Promise<InvocationResult<SQSBatchResponse>>((resolve) => {
      resolveEnded = resolve;
    });
    let pid = 0;
    const result = await invokeInChildProcess<SQSBatchResponse>({
      entry: "functions/turn.ts",
      event,
      functionName: "turn",
      timeoutMs: timeoutSeconds * 1000,
      env: options.env,
      shutdownSignal: options.shutdownSignal,
      onSpawn: (handle) => {
        pid = handle.pid;
        active.set(pid, {
          pid,
          startedAt: Date.now(),
          jobId,
          runId,
          timeoutSeconds,
          maxRunSeconds,
          handle,
          ended,
        });
        record(pid, "turn", `turn of run ${runId} (job ${jobId})`);
      },
      onChildGroup: (change, groupId) => {
        if (change === "started")
          record(groupId, "turn-child", `process group started by the turn of run ${runId}`);
        else options.ledger.forget(groupId);
      },
      onLine: (line) => options.onLine(line, { jobId, runId }),
    });
    options.ledger.forget(pid);
    active.delete(pid);
    resolveEnded(result);
    return describe(result, log, timeoutSeconds);
  }

  function record(pid: number, role: "turn" | "turn-child", description: string): void {
    const identity = identifyProcess(pid);
    if (identity) options.ledger.record({ ...identity, role, leadsGroup: true, description });
  }

  /** Its job's ceiling and the turn function timeout it would get in AWS; a deleted job's defaults. */
  async function timeoutsOf(jobId: string): Promise<{ maxRunSeconds: number; timeoutSeconds: number }> {
    const stored = await options.jobs.getJob(jobId).catch(() => undefined);
    const parsed = stored
      ? validateJob(stored.spec, { ...options.validation, admitUnregisteredHarness: true })
      : undefined;
    const job = parsed?.ok ? parsed.job : undefined;
    return {
      maxRunSeconds: job?.maxRunSeconds ?? FALLBACK_RUN_SETTINGS.maxRunSeconds,
      timeoutSeconds: turnTimeoutFor(job ? [job] : []),
    };
  }

  return { invoke, active: active as ReadonlyMap<number, ActiveInvocation> };
}

function describe(
  result: InvocationResult<SQSBatchResponse>,
  log: Logger,
  timeoutSeconds: number,
): SQSBatchResponse | undefined {
  switch (result.kind) {
    case "returned":
      return result.result;
    case "timed-out":
      if (result.during === "invoke") log.error(`Task timed out after ${timeoutSeconds} seconds`);
      else log.error("the turn's process did not load its handler in time; killed", { result });
      return undefined;
    case "killed":
      log.warn(`turn process killed: ${result.reason}`);
      return undefined;
    default:
      log.error("turn invocation failed", { result });
      return undefined;
  }
}

function safeJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
