import { monotonicFactory } from "ulid";

let nextUlid = monotonicFactory();

/**
 * A run id: a ULID, so run ids sort by creation time and a job's history can be read newest-first
 * with a key range query, without an index.
 */
export function newRunId(nowMs: number): string {
  return nextUlid(nowMs);
}

/**
 * A unique id for one attempt at a write (beginning a run, ending it, recording a fire). Stored
 * with the write, it lets a retry recognise that its own earlier attempt was applied even though
 * that attempt reported failure (DESIGN invariant 10: an ambiguous write is resolved, never guessed).
 */
export function newAttemptId(nowMs: number): string {
  return nextUlid(nowMs);
}

/**
 * Replaces the randomness of ids with `random` (a [0, 1) source). Only the seeded fault
 * simulation uses it, so that a seed replays the same ids.
 */
export function useIdRandomness(random: () => number): void {
  nextUlid = monotonicFactory(random);
}
