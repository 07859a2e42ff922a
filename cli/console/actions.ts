import { MAX_MESSAGES_PER_COMMAND } from "#adapters/sqs/dead-letter-operations.ts";
import { CliError } from "../exit-codes.ts";
import { redriveDeadLetters } from "../operations/dead-letters.ts";
import { setJobEnabled } from "../operations/job-enabled.ts";
import { awaitFireOutcome, DISPATCH_ANSWER_MS, sendManualFire } from "../operations/manual-fire.ts";
import { parseQueueRoles, parseWholeNumber } from "../parse.ts";
import type { ActionResult, ViewContext } from "./view-context.ts";
import { paths, plural } from "./views/format.ts";

/**
 * "Run now": a manual fire, as `agentcron run` sends it, then dispatch's answer: the run it started
 * (the browser goes to its page, which follows it live), or why the fire was skipped, buffered or
 * rejected (back to the job, saying so).
 */
export async function runNowAction(context: ViewContext, jobId: string): Promise<ActionResult> {
  const back = paths.job(jobId);
  return explained(back, async () => {
    const sent = await sendManualFire(context.deployment, jobId, "console");
    const fire = await awaitFireOutcome(context.deployment, sent, Date.now() + DISPATCH_ANSWER_MS);
    if (!fire) {
      return {
        redirect: back,
        notice: {
          tone: "bad",
          text: `Fired ${jobId}, but dispatch did not answer within ${DISPATCH_ANSWER_MS / 1000}s: the fire waits on the fires queue. Is dispatch running?`,
        },
      };
    }
    if (fire.outcome === "run" && fire.runId) {
      return {
        redirect: paths.run(fire.runId),
        notice: { tone: "good", text: `Fired ${jobId}: run ${fire.runId} started.` },
      };
    }
    if (fire.outcome === "buffered") {
      return {
        redirect: back,
        notice: {
          tone: "neutral",
          text: `The job is busy (run ${fire.holderRunId ?? "?"} holds it): the fire is buffered and runs when the job frees.${fire.reason === "replace" ? " The running run was asked to stop (overlap: replace)." : ""}`,
        },
      };
    }
    const issues = (fire.issues ?? []).map((issue) => ` ${issue.path}: ${issue.message}`).join(";");
    return {
      redirect: back,
      notice: {
        tone: "bad",
        text: `The fire was ${fire.outcome}${fire.reason ? ` (${fire.reason})` : ""}: ${fire.detail ?? ""}${issues}`,
      },
    };
  });
}

/** Pause or resume: the job stored with `enabled` flipped, its schedule rule with it. */
export async function setEnabledAction(
  context: ViewContext,
  jobId: string,
  enabled: boolean,
): Promise<ActionResult> {
  const back = paths.job(jobId);
  return explained(back, async () => {
    const result = await setJobEnabled(context.deployment, jobId, enabled);
    const rule = result.rule ? `; rule ${result.rule.ruleName} ${result.rule.action}` : "";
    return {
      redirect: back,
      notice: {
        tone: "good",
        text: result.changed
          ? `Job ${jobId} ${enabled ? "resumed" : "paused"} (v${result.change?.fromVersion} → v${result.change?.toVersion})${rule}.`
          : `Job ${jobId} was already ${enabled ? "enabled" : "paused"}${rule}.`,
      },
    };
  });
}

/** Redrive one DLQ (after the confirmation page): moves its messages back, rejected ones only if asked. */
export async function redriveAction(context: ViewContext, form: URLSearchParams): Promise<ActionResult> {
  const back = paths.deadLetters();
  return explained(back, async () => {
    const [role] = parseQueueRoles(form.get("queue") ?? "");
    if (!role) throw new Error("no queue named");
    const max = parseWholeNumber(form.get("max") || "1000", "max", { min: 1, max: MAX_MESSAGES_PER_COMMAND });
    const includeRejected = form.get("includeRejected") === "yes";
    const result = await redriveDeadLetters(context.deployment, role, { max, includeRejected });
    return {
      redirect: back,
      notice: {
        tone: "good",
        text: `${role}: moved ${plural(result.moved, "message")} back to the ${role} queue${result.keptRejected > 0 ? `; kept ${result.keptRejected} rejected (they would be rejected again: fix the cause, then include them)` : ""}; ${result.remaining} left in the DLQ.`,
      },
    };
  });
}

/** Runs an action; an error the CLI would explain (no such job, paused, bad input) becomes a notice. */
async function explained(back: string, act: () => Promise<ActionResult>): Promise<ActionResult> {
  try {
    return await act();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { redirect: back, notice: { tone: "bad", text: error.message } };
  }
}
