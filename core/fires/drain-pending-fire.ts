import type { PendingFire } from "../leases/lease.ts";
import type { MessageQueue } from "../ports.ts";
import { type FireMessage, fireKeyOf } from "./fire-message.ts";

/**
 * Sends a pending (buffered) fire back through dispatch. Its fire key is the buffer id, so however
 * many times it is sent it runs once; the run records the count of coalesced fires it consumes
 * from the lease (the message's count is only what the sender saw). Only the sweeper drains — it is
 * invoked by its schedule, so a drain never extends a chain of invocations (fires → dispatch →
 * turns → turn), which Lambda's recursive-loop detection would cut.
 */
export async function drainPendingFire(
  deps: { fires: MessageQueue },
  jobId: string,
  pending: PendingFire,
): Promise<void> {
  const message: FireMessage = {
    version: 1,
    jobId,
    scheduledAt: new Date(pending.lastScheduledAt).toISOString(),
    source: "buffered",
    fireId: pending.bufferId,
    coalescedFires: pending.count,
  };
  await deps.fires.send(JSON.stringify(message), { jobId, fireKey: fireKeyOf(message) });
}
