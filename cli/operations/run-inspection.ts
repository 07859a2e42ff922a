import { findRunById, getJob, getLease } from "#adapters/dynamodb/reads.ts";
import { getRunOutput } from "#adapters/dynamodb/run-output.ts";
import type { LeaseState } from "#core/leases/lease.ts";
import type { StoredJob } from "#core/ports.ts";
import type { RunOutputRecord } from "#core/runs/run-output.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import { NotFoundError } from "../exit-codes.ts";
import { type NextActionContext, nextAction } from "../render/next-action.ts";
import type { Deployment } from "../target.ts";

/** What `inspect` and the console's run page show of one run. */
export interface RunInspection {
  readonly run: RunRecord;
  /** The job as stored now (undefined once it was deleted). */
  readonly job?: StoredJob;
  /** The job's lease when this run holds it. */
  readonly lease?: LeaseState;
  /** What the "Next:" hint needs besides the run. */
  readonly nextContext: NextActionContext;
  /** The next thing to check, as `inspect` says it. */
  readonly next: string;
  /** The run's full output and stream tails, when it kept them (see core/runs/run-output.ts). */
  readonly output?: RunOutputRecord;
  readonly nowMs: number;
}

/**
 * One run, found by its id alone, with its job and — while it holds it — the job's lease.
 * @throws NotFoundError when the deployment has no such run.
 */
export async function readRunInspection(deployment: Deployment, runId: string): Promise<RunInspection> {
  const run = await findRunById(deployment.table, runId.toUpperCase());
  if (!run) {
    throw new NotFoundError(
      `no run ${runId} on ${deployment.label} (run ids are 26-character ULIDs; agentcron runs JOB_ID lists a job's runs)`,
    );
  }
  const [job, lease, output] = await Promise.all([
    getJob(deployment.table, run.jobId),
    getLease(deployment.table, run.jobId),
    getRunOutput(deployment.table, run.jobId, run.runId),
  ]);
  const nextContext: NextActionContext = { turnLogs: deployment.turnLogs, jobSpec: job?.spec };
  return {
    run,
    job,
    lease: lease?.holderRunId === run.runId ? lease : undefined,
    nextContext,
    next: nextAction(run, nextContext),
    output,
    nowMs: deployment.clock.now(),
  };
}
