import { getJob, listRuns } from "#adapters/dynamodb/reads.ts";
import { describeTime } from "#core/time-format.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, NotFoundError } from "../exit-codes.ts";
import { parseRunStatus, parseSince, parseWholeNumber } from "../parse.ts";
import { renderRunRows } from "../render/run-table.ts";

export interface RunsOptions {
  readonly status?: string;
  readonly since?: string;
  readonly limit?: string;
}

/** With a status filter, how far back to look for matching runs (runs are read newest first). */
const FILTER_SCAN_LIMIT = 1000;

/** `runs ID`: a job's run history, newest first, filtered by status and time. */
export async function runsCommand(
  ctx: CommandContext,
  jobId: string,
  options: RunsOptions,
): Promise<ExitCode> {
  const status = options.status !== undefined ? parseRunStatus(options.status) : undefined;
  const limit =
    options.limit !== undefined ? parseWholeNumber(options.limit, "--limit", { min: 1, max: 1000 }) : 20;
  // Every option is checked before the deployment is contacted: a typo is a usage error (2).
  const sinceMs = options.since !== undefined ? parseSince(options.since, Date.now()) : undefined;
  const deployment = await ctx.connect();
  const nowMs = deployment.clock.now();
  const read = await listRuns(deployment.table, jobId, {
    limit: status ? FILTER_SCAN_LIMIT : limit,
    sinceMs,
  });
  const runs = (status ? read.filter((run) => run.status === status) : read).slice(0, limit);
  if (read.length === 0 && !(await getJob(deployment.table, jobId))) {
    throw new NotFoundError(
      `no job "${jobId}" and no runs of it on ${deployment.label}: agentcron jobs list shows the jobs there`,
    );
  }
  const { out } = ctx;
  out.data({
    target: deployment.label,
    jobId,
    filters: { status: status ?? null, sinceMs: sinceMs ?? null, limit },
    runs,
  });
  const filters = [
    status ? `status ${status}` : "",
    sinceMs !== undefined ? `since ${describeTime(sinceMs)}` : "",
  ].filter(Boolean);
  if (runs.length === 0) {
    out.line(`No runs of ${jobId}${filters.length > 0 ? ` (${filters.join(", ")})` : ""}.`);
    return EXIT.ok;
  }
  out.lines(renderRunRows(runs, out.style, nowMs));
  out.line(
    out.style.dim(
      `${runs.length} run${runs.length === 1 ? "" : "s"}, newest first${filters.length > 0 ? `; ${filters.join(", ")}` : ""}. Details: agentcron inspect RUN_ID`,
    ),
  );
  return EXIT.ok;
}
