import { describeTime } from "#core/time-format.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import { readRunHistory } from "../operations/run-history.ts";
import { parseRunStatus, parseSince, parseWholeNumber } from "../parse.ts";
import { renderRunRows } from "../render/run-table.ts";

export interface RunsOptions {
  readonly status?: string;
  readonly since?: string;
  readonly limit?: string;
}

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
  const deployment = await ctx.connect({ readsHistory: true });
  const nowMs = deployment.clock.now();
  const runs = await readRunHistory(deployment, jobId, { status, sinceMs, limit });
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
