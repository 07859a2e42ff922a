import { findRunById, getJob, getLease } from "#adapters/dynamodb/reads.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, NotFoundError } from "../exit-codes.ts";
import { nextAction } from "../render/next-action.ts";
import { renderInspection } from "../render/run-view.ts";

/**
 * `inspect RUN_ID`: the run's phase timeline as a chart (each phase scaled to the run, its deadline
 * marked), each plugin's outcome, the error, the diagnostic, and the next thing to check.
 */
export async function inspectCommand(ctx: CommandContext, runId: string): Promise<ExitCode> {
  const deployment = await ctx.connect();
  const run = await findRunById(deployment.table, runId.toUpperCase());
  if (!run) {
    throw new NotFoundError(
      `no run ${runId} on ${deployment.label} (run ids are 26-character ULIDs; agentcron runs JOB_ID lists a job's runs)`,
    );
  }
  const [job, lease] = await Promise.all([
    getJob(deployment.table, run.jobId),
    getLease(deployment.table, run.jobId),
  ]);
  const nowMs = deployment.clock.now();
  const next = { turnLogs: deployment.turnLogs, jobSpec: job?.spec };
  const { out } = ctx;
  out.data({
    target: deployment.label,
    run,
    holdsLease: lease?.holderRunId === run.runId,
    lease: lease?.holderRunId === run.runId ? lease : null,
    next: nextAction(run, next),
  });
  const width = Math.min(60, Math.max(20, (out.stdout.columns ?? 100) - 60));
  const wrap = out.interactive ? (out.stdout.columns ?? 100) : undefined;
  out.lines(renderInspection(run, { style: out.style, nowMs, width, next, wrap }));
  return EXIT.ok;
}
