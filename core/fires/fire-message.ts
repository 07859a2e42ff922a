import { z } from "zod";
import { JOB_ID_PATTERN } from "../jobs/job-schema.ts";
import { scheduledTimeKey } from "../jobs/next-fire.ts";

/**
 * A fire on the fires queue. The EventBridge rule of each job sends exactly this shape (its input
 * transformer fills `scheduledAt` from the scheduled event's `time`); the local scheduler, the
 * CLI's manual `run`, the buffered-fire drain and the sweeper's retries send it too.
 */
export const fireMessageSchema = z.object({
  version: z.literal(1).default(1),
  jobId: z.string().regex(JOB_ID_PATTERN, "not a job id (lowercase letters, digits and '-', at most 48)"),
  scheduledAt: z.iso.datetime({
    offset: true,
    message: "expected an ISO-8601 time such as 2026-11-22T04:00:00Z",
  }),
  source: z.enum(["schedule", "manual", "buffered"]).default("schedule"),
  /** Manual fires: a unique id per request. Buffered drains: the buffer id. */
  fireId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /** Buffered drains: how many fires were coalesced into this one. */
  coalescedFires: z.number().int().positive().optional(),
});

export type FireMessage = z.output<typeof fireMessageSchema>;

/**
 * The fire's identity (DESIGN invariant 4): job id + scheduled time (to the minute, as EventBridge
 * schedules), so duplicate deliveries of one fire — EventBridge and SQS are both at-least-once —
 * collapse into one outcome. Manual fires and buffered drains carry their own unique id instead.
 */
export function fireKeyOf(message: Pick<FireMessage, "jobId" | "scheduledAt" | "source" | "fireId">): string {
  if (message.source === "manual" || message.source === "buffered") {
    if (!message.fireId) throw new Error(`a ${message.source} fire needs a fireId`);
    return `${message.jobId}#${message.source}#${message.fireId}`;
  }
  return `${message.jobId}#${scheduledTimeKey(Date.parse(message.scheduledAt))}`;
}

/** A run handed from dispatch to the turn function via the turns queue. */
export const turnMessageSchema = z.object({
  version: z.literal(1).default(1),
  jobId: z.string().regex(JOB_ID_PATTERN),
  runId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, "not a run id (a 26-character ULID)"),
  fireKey: z.string().min(1),
});

export type TurnMessage = z.output<typeof turnMessageSchema>;
