import { type FireMessage, fireKeyOf } from "../fires/fire-message.ts";
import type { PendingFire } from "../leases/lease.ts";
import type { MessageQueue } from "../ports.ts";

/**
 * Sends a pending (buffered) fire back through dispatch. Its fire key is the buffer id, so however
 * many times it is sent — by the run that released the job, or by the sweeper after a crash — it
 * runs once, with the count of the fires coalesced into it.
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
