import { findRunById, getRun } from "#adapters/dynamodb/reads.ts";
import { isActiveStatus, type RunRecord } from "#core/runs/run-record.ts";
import { runLogPath } from "#local/run-logs.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, NotFoundError, UsageError } from "../exit-codes.ts";
import { FileRunLog } from "../run-logs/file-run-log.ts";
import { formatLogLine } from "../run-logs/log-line.ts";
import type { RunLogLine, RunLogSource } from "../run-logs/run-log-source.ts";
import type { Deployment } from "../target.ts";

/** How often `--follow` reads again: a local file is cheap; FilterLogEvents is a paid API call. */
const FOLLOW_POLL_MS = { file: 500, cloudwatch: 2_000 } as const;
/** After the run ended, what is still on its way: the turn's last lines, CloudWatch's ingestion. */
const SETTLE_AFTER_END_MS = { file: 1_500, cloudwatch: 10_000 } as const;
/** A run's lines are never older than its creation, less some clock skew between machines. */
const CLOCK_SKEW_MS = 60_000;

interface RunLogReader {
  readonly where: string;
  readonly kind: "file" | "cloudwatch";
  readNew(): Promise<RunLogLine[]>;
  close(): void;
}

/**
 * `logs RUN_ID [--follow]`: the run's log lines — everything its turn logged, and what dispatch, the
 * sweeper and the local runtime said about it. Locally from the run's own log file; in AWS from the
 * turn function's log group, filtered by the run id. `--follow` keeps printing new lines until the
 * run has ended (and its last lines have arrived).
 */
export async function logsCommand(
  ctx: CommandContext,
  runId: string,
  options: { follow?: boolean },
): Promise<ExitCode> {
  const { out } = ctx;
  if (options.follow && out.json) {
    throw new UsageError("--follow prints lines as they come; it cannot be one JSON document: drop --json");
  }
  const deployment = await ctx.connect({ readsHistory: true });
  const run = await findRunById(deployment.table, runId.toUpperCase());
  if (!run) {
    throw new NotFoundError(
      `no run ${runId} on ${deployment.label} (run ids are 26-character ULIDs; agentcron runs JOB_ID lists a job's runs)`,
    );
  }
  const reader = await readerFor(deployment.runLogs, run);
  try {
    const first = await reader.readNew();
    // A stopped runtime writes nothing more: its lines so far are all there is to follow.
    const following = options.follow === true && deployment.kind !== "stored";
    if (options.follow && !following) {
      out.line(out.style.dim(`Not following: ${deployment.label} writes no more lines.`));
    }
    if (!following) {
      out.data({
        runId: run.runId,
        jobId: run.jobId,
        status: run.status,
        source: reader.where,
        lines: first,
      });
      if (first.length === 0) {
        out.line(
          `No log lines for run ${run.runId} (${run.status}) in ${reader.where}${isActiveStatus(run.status) ? " yet; follow them with --follow" : ""}.`,
        );
      }
      out.lines(first.map((line) => formatLogLine(line, out.style)));
      return EXIT.ok;
    }
    out.line(
      out.style.dim(`Following run ${run.runId} (job ${run.jobId}) from ${reader.where}; Ctrl-C stops.`),
    );
    out.lines(first.map((line) => formatLogLine(line, out.style)));
    await follow(deployment, run, reader, (lines) =>
      out.lines(lines.map((line) => formatLogLine(line, out.style))),
    );
    const ended = await getRun(deployment.table, run.jobId, run.runId);
    out.line(out.style.dim(`Run ${run.runId} ${ended?.status ?? "ended"}.`));
    return EXIT.ok;
  } finally {
    reader.close();
  }
}

/** Prints new lines until the run has ended and its last lines had time to arrive. */
async function follow(
  deployment: Deployment,
  run: RunRecord,
  reader: RunLogReader,
  print: (lines: RunLogLine[]) => void,
): Promise<void> {
  let endedAt: number | undefined = isActiveStatus(run.status) ? undefined : Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS[reader.kind]));
    print(await reader.readNew());
    if (endedAt === undefined) {
      const now = await getRun(deployment.table, run.jobId, run.runId);
      if (!now || !isActiveStatus(now.status)) endedAt = Date.now();
    } else if (Date.now() - endedAt >= SETTLE_AFTER_END_MS[reader.kind]) {
      print(await reader.readNew());
      return;
    }
  }
}

async function readerFor(source: RunLogSource, run: RunRecord): Promise<RunLogReader> {
  if (source.kind === "unavailable") throw new UsageError(`cannot read run logs: ${source.reason}`);
  if (source.kind === "file") {
    const path = runLogPath(source.directory, run.runId);
    if (!path) throw new UsageError(`${run.runId} is not a run id`);
    const file = new FileRunLog(path);
    return { where: path, kind: "file", readNew: async () => file.readNew(), close: () => {} };
  }
  // Loaded here, not at start: only this command talks to CloudWatch Logs.
  const { CloudWatchRunLog } = await import("../run-logs/cloudwatch-run-log.ts");
  const log = CloudWatchRunLog.create(
    source.clientConfig,
    source.logGroupName,
    run.runId,
    run.createdAt - CLOCK_SKEW_MS,
  );
  const where = `the log group ${source.logGroupName}`;
  return {
    where,
    kind: "cloudwatch",
    readNew: async () => {
      try {
        return await log.readNew();
      } catch (error) {
        const name = (error as Error).name;
        if (name === "ResourceNotFoundException") {
          throw new NotFoundError(
            `${where} does not exist: has the turn function run yet? Is this the right --stage/--region?`,
          );
        }
        throw new NotFoundError(
          `cannot read ${where}: ${(error as Error).message}. Your credentials need logs:FilterLogEvents on it.`,
        );
      }
    },
    close: () => log.close(),
  };
}
