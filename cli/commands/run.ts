import { getRun } from "#adapters/dynamodb/reads.ts";
import { getRunOutput } from "#adapters/dynamodb/run-output.ts";
import type { RunRecord } from "#core/runs/run-record.ts";
import type { CommandContext } from "../context.ts";
import { EXIT, type ExitCode, NotFoundError } from "../exit-codes.ts";
import {
  awaitFireOutcome,
  DISPATCH_ANSWER_MS,
  drainedRunAfter,
  pollUntil,
  sendManualFire,
} from "../operations/manual-fire.ts";
import { parseWholeNumber } from "../parse.ts";
import { describeBufferedFire } from "../render/buffered-fire.ts";
import { formatDuration } from "../render/durations.ts";
import { nextAction } from "../render/next-action.ts";
import { renderRunOutput } from "../render/run-output.ts";
import { progressBlock, progressKey, progressLine } from "../render/run-view.ts";
import type { Deployment } from "../target.ts";

export interface RunOptions {
  readonly wait?: boolean;
  /** Seconds to wait (for dispatch to answer, and with --wait for the run to end). */
  readonly timeout?: string;
  /** How often to read the run. @default 500 */
  readonly pollMs?: number;
}

/**
 * `run ID`: a manual fire — the same message a schedule sends, with its own fire id — and what
 * dispatch made of it. With `--wait`, follows the run phase by phase and exits 0 if it succeeded,
 * 1 if it ended any other way (printing the error, the diagnostic and the next thing to check), 3 if
 * no run appeared.
 */
export async function runCommand(ctx: CommandContext, jobId: string, options: RunOptions): Promise<ExitCode> {
  // The option is checked before anything is sent: a typo is a usage error (2) and fires nothing.
  const timeoutSeconds =
    options.timeout !== undefined
      ? parseWholeNumber(options.timeout, "--timeout", { min: 1, max: 86_400 })
      : undefined;
  const deployment = await ctx.connect();
  const startedWaiting = Date.now();
  const sent = await sendManualFire(deployment, jobId, "cli");
  const budgetSeconds = sent.job
    ? sent.job.maxRunSeconds + sent.job.leaseSeconds + 120
    : (deployment.validation.functionTimeoutSeconds ?? 900);
  const timeoutMs = (timeoutSeconds ?? budgetSeconds) * 1000;
  const pollMs = options.pollMs ?? 500;
  const deadline = startedWaiting + timeoutMs;
  const { out } = ctx;
  const { fireKey, stored } = sent;
  out.line(`Fired ${jobId} (fire ${fireKey}) on ${deployment.label}.`);

  const fire = await awaitFireOutcome(
    deployment,
    sent,
    Math.min(deadline, startedWaiting + DISPATCH_ANSWER_MS),
  );
  if (!fire) {
    out.data({ jobId, fireKey, outcome: null, runId: null });
    throw new NotFoundError(
      `no run appeared: dispatch did not answer the fire within ${Math.round((Math.min(deadline, startedWaiting + DISPATCH_ANSWER_MS) - startedWaiting) / 1000)}s. ` +
        `The fire waits on the fires queue; is dispatch running? ${deployment.kind === "local" ? "(is `npm start` still running?)" : "(agentcron doctor; the dispatch function's errors)"}`,
    );
  }

  let runId = fire.runId;
  if (fire.outcome === "skipped" || fire.outcome === "rejected" || fire.outcome === "missed") {
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
    out.line(describeBufferedFire(fire));
    if (!options.wait) {
      out.data({ jobId, fireKey, outcome: "buffered", holderRunId: fire.holderRunId ?? null, runId: null });
      return EXIT.ok;
    }
    const drained = await pollUntil(async () => drainedRunAfter(deployment, fire), deadline, pollMs);
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
  const kept = run?.endedAt !== undefined ? await getRunOutput(deployment.table, jobId, runId) : undefined;
  out.data({ jobId, fireKey, outcome: fire.outcome, runId, run: run ?? null, output: kept ?? null });
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
  const output = renderRunOutput(run, kept, out.style);
  if (run.status === "succeeded") {
    out.line(out.style.green(`Run ${runId} succeeded${took}.`));
    if (output.length > 0) out.lines(["  output:", ...output]);
    return EXIT.ok;
  }
  if (output.length > 0) out.lines(["  output:", ...output]);
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
