import type { FireWatchStore, ScheduledJob } from "../ports.ts";
import { armedWatch, dueAtOf, timingKeyOf } from "./fire-watch.ts";

/** Watches read per request (DynamoDB's BatchGetItem takes 100 keys). */
const READ_BATCH = 100;

/**
 * Keeps every job's expected next fire in step with its schedule, after the schedules were
 * reconciled (`jobs apply`, a deploy, npm start, pause/resume): a job whose timing changed (or that
 * had no watch) is armed from now; one whose timing is the same keeps its expectation — re-applying
 * a file must not push a due check into the future; the watches of deleted jobs go.
 *
 * @returns how many watches were written or deleted.
 */
export async function armFireWatches(
  store: FireWatchStore,
  jobs: readonly ScheduledJob[],
  deletedJobIds: readonly string[],
  nowMs: number,
): Promise<number> {
  let written = 0;
  for (let start = 0; start < jobs.length; start += READ_BATCH) {
    const batch = jobs.slice(start, start + READ_BATCH);
    const existing = await store.getWatches(batch.map((job) => job.id));
    for (const job of batch) {
      const previous = existing.get(job.id);
      if (previous && previous.timingKey === timingKeyOf(job)) continue;
      const watch = armedWatch(job, nowMs, previous);
      await store.putWatch(watch, dueAtOf(watch));
      written++;
    }
  }
  for (const jobId of deletedJobIds) {
    await store.deleteWatch(jobId);
    written++;
  }
  return written;
}
