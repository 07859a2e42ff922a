import { z } from "zod";
import { JOB_ID_PATTERN } from "../jobs/job-schema.ts";
import { scheduledTimeKey } from "../jobs/next-fire.ts";

/**
 * A fire on the fires queue. The EventBridge rule of each job sends exactly this shape (its input
 * transformer fills `scheduledAt` from the scheduled event's `time`); the local scheduler, the
 * CLI's manual `run`, the buffered-fire drain and the sweeper's retries send it too.
 */
export const fireMessageSchema = z
  .object({
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
  })
  .superRefine((message, context) => {
    // A manual fire or a drain is identified by its fireId (fireKeyOf): without one it can never be
    // dispatched, so it is refused here — parked on its first delivery with this path and reason.
    if ((message.source === "manual" || message.source === "buffered") && !message.fireId) {
      context.addIssue({
        code: "custom",
        path: ["fireId"],
        message: `a ${message.source} fire needs a fireId (its unique id: the request id of a manual fire, the buffer id of a drain)`,
      });
    }
  });

export type FireMessage = z.output<typeof fireMessageSchema>;

/**
 * The fire's identity (DESIGN invariant 4): job id + scheduled time (to the minute, as EventBridge
 * schedules), so duplicate deliveries of one fire — EventBridge and SQS are both at-least-once —
 * collapse into one outcome. Manual fires and buffered drains carry their own unique id instead.
 */
export function fireKeyOf(message: Pick<FireMessage, "jobId" | "scheduledAt" | "source" | "fireId">): string {
  // The schema guarantees a fireId for manual fires and drains; a caller that built a message by
  // hand without one gets a key that still names the fire instead of an exception.
  if (message.source === "manual" || message.source === "buffered") {
    return `${message.jobId}#${message.source}#${message.fireId ?? "(no fireId)"}`;
  }
  return `${message.jobId}#${scheduledTimeKey(Date.parse(message.scheduledAt))}`;
}
