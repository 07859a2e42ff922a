import type { EventSourceMapping } from "./event-source-mapping.ts";
import type { SimClock } from "./sim-clock.ts";
import type { InvocationTracker } from "./sim-function.ts";
import type { SimNetwork } from "./sim-network.ts";

export interface SchedulerParts {
  readonly clock: SimClock;
  readonly network: SimNetwork;
  readonly tracker: InvocationTracker;
  readonly mappings: readonly EventSourceMapping[];
  /** True once every scheduled fire has been delivered. */
  readonly firesDone: () => boolean;
  /** Whether the engine's state has settled (every lease free, nothing pending). */
  readonly settled: () => Promise<boolean>;
  /** Simulated time after which the run stops, settled or not (counted from the last fire). */
  readonly limitAfterLastFireMs: number;
  /** A timer callback threw: recorded, and the simulation goes on. */
  readonly onTimerError: (error: unknown) => void;
}

/** How often (simulated) the scheduler looks whether the engine settled, once everything is quiet. */
const SETTLED_CHECK_INTERVAL_MS = 60_000;

/**
 * Runs the simulation until the engine is quiet. One step at a time:
 * 1. let every promise chain that can run, run (until no new request, timer or invocation appears);
 * 2. if requests are pending, release ONE (a seeded choice) and go back to 1;
 * 3. else start the polls of event source mappings that have a visible message and a free slot;
 * 4. else nothing can run now: move time to the next timer or visibility expiry, and fire it.
 * Returns true when it stopped because all fires were delivered and the engine settled, false when
 * it hit the time limit first.
 */
export async function runUntilQuiet(parts: SchedulerParts): Promise<boolean> {
  const { clock, network, tracker, mappings } = parts;
  const activity = () => network.activity + clock.activity + tracker.activity;
  let lastSettledCheck = Number.NEGATIVE_INFINITY;
  let limitAt: number | undefined;
  for (;;) {
    await settle(activity);
    if (network.pendingCount > 0) {
      await network.releaseOne();
      continue;
    }
    let polled = false;
    for (const mapping of mappings) polled = mapping.pollIfDue() || polled;
    if (polled) continue;

    if (parts.firesDone()) {
      limitAt ??= clock.now() + parts.limitAfterLastFireMs;
      const idle =
        tracker.running === 0 && mappings.every((mapping) => !mapping.busy && mapping.depth() === 0);
      if (idle && clock.now() - lastSettledCheck >= SETTLED_CHECK_INTERVAL_MS) {
        lastSettledCheck = clock.now();
        if (await parts.settled()) return true;
      }
      if (clock.now() > limitAt) return false;
    }
    const nextVisibleAt = earliest(mappings.map((mapping) => mapping.nextVisibleAt()));
    const nextTimerAt = clock.nextDueAt();
    if (nextVisibleAt !== undefined && (nextTimerAt === undefined || nextVisibleAt < nextTimerAt)) {
      clock.advanceTo(nextVisibleAt);
      continue;
    }
    if (nextTimerAt === undefined) return true;
    try {
      clock.fireNext();
    } catch (error) {
      parts.onTimerError(error);
    }
  }
}

/**
 * Lets every runnable promise chain run: setImmediate rounds until two in a row see no new request,
 * timer or invocation. Work in the engine only waits on requests and timers, so when this returns,
 * everything that can happen at this instant has happened or is waiting on the network.
 */
async function settle(activity: () => number): Promise<void> {
  let seen = activity();
  let quietRounds = 0;
  while (quietRounds < 2) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const now = activity();
    if (now === seen) quietRounds++;
    else {
      seen = now;
      quietRounds = 0;
    }
  }
}

function earliest(times: readonly (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const at of times) if (at !== undefined && (min === undefined || at < min)) min = at;
  return min;
}
