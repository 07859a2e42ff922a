import { z } from "zod";
import { JOB_ID_PATTERN } from "../jobs/job-schema.ts";
import type { MessageQueue } from "../ports.ts";
import type { RunRecord } from "./run-record.ts";

/** A run handed from dispatch (or the sweeper) to the turn function via the turns queue. */
export const turnMessageSchema = z.object({
  version: z.literal(1).default(1),
  jobId: z.string().regex(JOB_ID_PATTERN),
  runId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, "not a run id (a 26-character ULID)"),
  fireKey: z.string().min(1),
});

export type TurnMessage = z.output<typeof turnMessageSchema>;

/** The sweeper first checks that a queued run's turn began this long after it was handed off. */
export const HANDOFF_CHECK_INTERVAL_MS = 60_000;

/** Times a queued run is handed to the turns queue at most (the first handoff included). */
export const MAX_HANDOFFS = 4;

/**
 * Sends a queued run to the turns queue. Sending it more than once is harmless: a turn begins a run
 * only from `queued`, exactly once, and ignores any other message for it.
 */
export async function handOffRun(
  turns: MessageQueue,
  run: Pick<RunRecord, "jobId" | "runId" | "fireKey">,
): Promise<void> {
  const message: TurnMessage = { version: 1, jobId: run.jobId, runId: run.runId, fireKey: run.fireKey };
  await turns.send(JSON.stringify(message), { jobId: run.jobId, runId: run.runId });
}

/**
 * Whether the sweeper should hand a still-queued run off again now (DESIGN invariant 9: nothing
 * waits for a lucky redelivery). The handoff may have been lost (the send failed after the run was
 * created, or the turn failed before beginning it and its message went to the DLQ). When the turns
 * queue is idle, a queued run's message cannot be waiting in it: send it again at once. When the
 * queue has a backlog, the message is most likely waiting its turn; send it again only once half the
 * run's start window has passed since the last handoff, so a backlog is not multiplied.
 */
export function shouldHandOffAgain(
  run: Pick<RunRecord, "createdAt" | "handoffs" | "lastHandoffAt" | "startDeadlineAt">,
  nowMs: number,
  turnsBacklog: { readonly waiting: number } | undefined,
): boolean {
  if ((run.handoffs ?? 1) >= MAX_HANDOFFS) return false;
  const lastHandoffAt = run.lastHandoffAt ?? run.createdAt;
  if (nowMs - lastHandoffAt < HANDOFF_CHECK_INTERVAL_MS) return false;
  if (turnsBacklog === undefined || turnsBacklog.waiting === 0) return true;
  const window = (run.startDeadlineAt ?? run.createdAt) - run.createdAt;
  return nowMs - lastHandoffAt >= Math.max(2 * HANDOFF_CHECK_INTERVAL_MS, window / 2);
}
