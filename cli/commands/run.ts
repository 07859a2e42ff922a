import { randomBytes } from "node:crypto";
import { getFire, getJob, getRun, listRuns } from "#adapters/dynamodb/reads.ts";
import { createSqsQueue } from "#adapters/sqs/sqs-queue.ts";
import { type FireMessage, fireKeyOf } from "#core/fires/fire-message.ts";
import { validateJob } from "#core/jobs/job-schema.ts";
import type { FireRecord, RunRecord } from "#core/runs/run-record.ts";
import { describeTime } from "#core/time-format.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, NotFoundError, UnhealthyError } from "../exit-codes.ts";
import { lenientValidation } from "../job-state.ts";
import { parseWholeNumber } from "../parse.ts";
import { formatDuration } from "../render/durations.ts";
import { nextAction } from "../render/next-action.ts";
import { progressBlock, progressKey, progressLine } from "../render/run-view.ts";
import type { Deployment } from "../target.ts";

export interface RunOptions {
  readonly wait?: boolean;
  /** Seconds to wait (for dispatch to answer, and with --wait for the run to end). */
  readonly timeout?: string;
  /** How often to read the run. @default 500 */
  readonly pollMs?: number;
}

/** Dispatch answers a fire within seconds; past this the fire is reported as not picked up. */
const DISPATCH_ANSWER_MS = 60_000;

/**
 * `run ID`: a manual fire — the same message a schedule sends, with its own fire id — and what
 * dispatch made of it. With `--wait`, follows the run phase by phase and exits 0 if it succeeded,
 * 1 if it ended any other way (printing the error, the diagnostic and the next thing to check), 3 if
 * no run appeared.
 */
export async function runCommand(ctx: CommandContext, jobId: string, options: RunOptions): Promise<ExitCode> {
  const deployment = await ctx.connect();
  const stored = await getJob(deployment.table, jobId);
  if (!stored)
    throw new NotFoundError(
      `no job "${jobId}" on ${deployment.label}: agentcron jobs list shows the jobs there`,
    );
  const checked = validateJob(stored.spec, lenientValidation(deployment.validation));
  if (checked.ok && !checked.job.enabled) {
    throw new UnhealthyError(
      `job ${jobId} is paused, so a fire would be rejected: resume it first (agentcron jobs resume ${jobId})`,
    );
  }
  const budgetSeconds = checked.ok
    ? checked.job.maxRunSeconds + checked.job.leaseSeconds + 120
    : (deployment.validation.functionTimeoutSeconds ?? 900);
  const timeoutMs =
    (options.timeout !== undefined
      ? parseWholeNumber(options.timeout, "--timeout", { min: 1, max: 86_400 })
      : budgetSeconds) * 1000;
  const pollMs = options.pollMs ?? 500;
  const startedWaiting = Date.now();
  const deadline = startedWaiting + timeoutMs;
  const { out } = ctx;

  const message: FireMessage = {
    version: 1,
    jobId,
    scheduledAt: new Date(deployment.clock.now()).toISOString(),
    source: "manual",
    fireId: `cli-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`,
  };
  const fireKey = fireKeyOf(message);
  await createSqsQueue(deployment.sqs, deployment.queueUrl("fires")).send(JSON.stringify(message), {
    jobId,
    fireKey,
  });
  out.line(`Fired ${jobId} (fire ${fireKey}) on ${deployment.label}.`);

  const fire = await poll(
    () => getFire(deployment.table, jobId, fireKey),
    Math.min(deadline, startedWaiting + DISPATCH_ANSWER_MS),
    250,
  );
  if (!fire) {
    out.data({ jobId, fireKey, outcome: null, runId: null });
    throw new NotFoundError(
      `no run appeared: dispatch did not answer the fire within ${Math.round((Math.min(deadline, startedWaiting + DISPATCH_ANSWER_MS) - startedWaiting) / 1000)}s. ` +
        `The fire waits on the fires queue; is dispatch running? ${deployment.kind === "local" ? "(is `npm start` still running?)" : "(agentcron doctor; the dispatch function's errors)"}`,
    );
  }

  let runId = fire.runId;
  if (fire.outcome === "skipped" || fire.outcome === "rejected") {
    out.data({
      jobId,
      fireKey,
      outcome: fire.outcome,
      reason: fire.reason ?? null,
      detail: fire.detail ?? null,
      issues: fire.issues ?? [],
      runId: null,
    });
    out.error(
      `agentcron: the fire was ${fire.outcome}${fire.reason ? ` (${fire.reason})` : ""}: ${fire.detail ?? ""}`,
    );
    for (const issue of fire.issues ?? []) out.error(`  - ${issue.path}: ${issue.message}`);
    return EXIT.unhealthy;
  }
  if (fire.outcome === "buffered") {
    out.line(
      `The job is busy (run ${fire.holderRunId ?? "?"} holds it${fire.holderSince !== undefined ? ` since ${describeTime(fire.holderSince)}` : ""}): the fire is buffered and runs when the job frees.`,
    );
    if (!options.wait) {
      out.data({ jobId, fireKey, outcome: "buffered", holderRunId: fire.holderRunId ?? null, runId: null });
      return EXIT.ok;
    }
    const drained = await poll(async () => drainedRunAfter(deployment, fire), deadline, pollMs);
    if (!drained) {
      out.data({ jobId, fireKey, outcome: "buffered", holderRunId: fire.holderRunId ?? null, runId: null });
      throw new NotFoundError(
        `no run appeared within ${Math.round(timeoutMs / 1000)}s: the job stayed busy (agentcron jobs show ${jobId})`,
      );
    }
    runId = drained.runId;
    out.line(`The buffered fire runs as run ${runId}.`);
  }
  if (!runId) throw new NotFoundError(`dispatch recorded the fire as ${fire.outcome} but no run id`);

  if (!options.wait) {
    out.data({ jobId, fireKey, outcome: fire.outcome, runId });
    out.line(
      `Run ${runId} is queued. Follow it: agentcron inspect ${runId}   (or agentcron run ${jobId} --wait next time)`,
    );
    return EXIT.ok;
  }

  const run = await followRun(ctx, deployment, jobId, runId, deadline, pollMs);
  out.data({ jobId, fireKey, outcome: fire.outcome, runId, run: run ?? null });
  if (!run) throw new NotFoundError(`run ${runId} was not found`);
  if (run.status === "queued" || run.status === "running") {
    out.error(
      `agentcron: run ${runId} is still ${run.status}${run.phase ? ` (phase ${run.phase})` : ""} after ${Math.round(timeoutMs / 1000)}s; follow it with agentcron inspect ${runId}`,
    );
    return EXIT.unhealthy;
  }
  const took =
    run.startedAt !== undefined && run.endedAt !== undefined
      ? ` in ${formatDuration(run.endedAt - run.startedAt)}`
      : "";
  if (run.status === "succeeded") {
    out.line(out.style.green(`Run ${runId} succeeded${took}.`));
    if (run.output?.summary) out.line(`  output: ${run.output.summary.split("\n")[0]}`);
    return EXIT.ok;
  }
  out.error(
    `agentcron: run ${runId} ${run.status}${took}${run.error ? `: ${run.error.class}${run.error.plugin ? ` (plugin ${run.error.plugin})` : ""}` : ""}`,
  );
  if (run.error) out.error(`  error:      ${run.error.message}`);
  if (run.diagnostic) out.error(`  diagnostic: ${run.diagnostic}`);
  out.error(
    `  Next: ${nextAction(run, { turnLogs: deployment.turnLogs, jobSpec: stored.spec })} (agentcron inspect ${runId} for the timeline)`,
  );
  return EXIT.unhealthy;
}

/** The run a buffered fire became: the job's first run from a drain created after the fire. */
async function drainedRunAfter(deployment: Deployment, fire: FireRecord): Promise<RunRecord | undefined> {
  const runs = await listRuns(deployment.table, fire.jobId, { limit: 10, sinceMs: fire.receivedAt - 1000 });
  return runs
    .filter((run) => run.source === "buffered" && run.createdAt >= fire.receivedAt)
    .sort((a, b) => a.createdAt - b.createdAt)[0];
}

/**
 * Reads the run until it ends or the deadline passes, showing its progress: on a terminal a block
 * redrawn in place; otherwise a line each time it moves on (phase, plugin, status).
 */
async function followRun(
  ctx: CommandContext,
  deployment: Deployment,
  jobId: string,
  runId: string,
  deadline: number,
  pollMs: number,
): Promise<RunRecord | undefined> {
  const { out } = ctx;
  let drawn = 0;
  let lastKey = "";
  let run: RunRecord | undefined;
  for (;;) {
    run = (await getRun(deployment.table, jobId, runId)) ?? run;
    const nowMs = deployment.clock.now();
    if (run) {
      if (out.interactive) {
        const lines = progressBlock(run, out.style, nowMs);
        const rewind = drawn > 0 ? `\x1b[${drawn}A` : "";
        out.stdout.write(`${rewind}${lines.map((line) => `\x1b[2K${line}`).join("\n")}\n`);
        drawn = lines.length;
      } else {
        const key = progressKey(run);
        if (key !== lastKey) out.line(progressLine(run, nowMs));
        lastKey = key;
      }
      if (run.status !== "queued" && run.status !== "running") return run;
    }
    if (Date.now() >= deadline) return run;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Calls `read` every `intervalMs` until it returns something or `deadline` (epoch ms) passes. */
async function poll<T>(
  read: () => Promise<T | undefined>,
  deadline: number,
  intervalMs: number,
): Promise<T | undefined> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
