import { monotonicFactory } from "ulid";

const nextUlid = monotonicFactory();

/**
 * A run id: a ULID, so run ids sort by creation time and a job's history can be read newest-first
 * with a key range query, without an index.
 */
export function newRunId(nowMs: number): string {
  return nextUlid(nowMs);
}
