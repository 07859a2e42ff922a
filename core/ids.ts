import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/**
 * A run id: a ULID, so run ids sort by creation time and a job's history can be read newest-first
 * with a key range query, without an index.
 */
export function newRunId(nowMs: number): string {
  return nextUlid(nowMs);
}

/** The time a ULID was minted at (epoch ms). */
export function runIdTime(runId: string): number {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let time = 0;
  for (const char of runId.slice(0, 10)) time = time * 32 + alphabet.indexOf(char);
  return time;
}
