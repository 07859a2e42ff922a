import { METRICS } from "#core/metric-names.ts";
import type { FinalState } from "./final-state.ts";
import type { HandoffCounts } from "./handoff-observer.ts";
import type { FireDelivery, History } from "./history.ts";
import type { InvariantResult } from "./invariants.ts";
import type { TimerCounts } from "./sim-clock.ts";
import type { NetworkCounts } from "./sim-network.ts";
import type { CountingMetrics } from "./sim-observers.ts";

/** What one simulation did and found. Everything but `wallMs` is the same for the same seed. */
export interface Summary {
  readonly seed: number;
  readonly scenario: string;
  readonly faults: boolean;
  readonly crashRate: number;
  readonly jobs: number;
  /** Each job in one line: id, schedule, overlap policy, the demo harness's delay and fail rate. */
  readonly jobSet: readonly string[];
  readonly turnMaxConcurrency: number;
  readonly simulatedMs: number;
  readonly wallMs: number;
  readonly fires: {
    readonly scheduled: number;
    readonly deliveries: number;
    readonly quirks: Record<string, number>;
    readonly outcomes: Record<string, number>;
    /** The outcomes of the fires delivered on time, duplicated, delayed, and past their deadline. */
    readonly outcomesByDelivery: Record<string, Record<string, number>>;
  };
  readonly runs: {
    readonly total: number;
    readonly retries: number;
    readonly byStatus: Record<string, number>;
  };
  readonly harness: Record<string, number>;
  readonly requests: {
    readonly application: number;
    readonly services: number;
    readonly dropped: number;
    readonly byOperation: Record<string, number>;
  };
  readonly injectedFaults: Record<string, number>;
  readonly injectedFaultsByOperation: Record<string, number>;
  readonly engine: Record<string, number>;
  /** Turn messages sent by the handlers, and those sent while the run's earlier one still waited. */
  readonly handoffs: HandoffCounts;
  readonly invocations: Record<string, number>;
  readonly invocationsThatThrew: Record<string, number>;
  readonly kills: Record<string, number>;
  readonly timers: TimerCounts & { readonly leftAtEnd: number };
  readonly deadLetters: number;
  /** Violations per invariant (0 everywhere is a pass). */
  readonly invariants: Record<string, number>;
  /** The violations themselves, per invariant (only those with any). */
  readonly violations: Record<string, readonly string[]>;
  /** A digest of every request in order, with its time, origin and fault: equal runs have equal digests. */
  readonly fingerprint: string;
}

export function summarize(input: {
  seed: number;
  scenario: string;
  faults: boolean;
  crashRate: number;
  jobs: number;
  jobSet: readonly string[];
  turnMaxConcurrency: number;
  simulatedMs: number;
  wallMs: number;
  history: History;
  network: NetworkCounts;
  fingerprint: string;
  timers: TimerCounts & { leftAtEnd: number };
  metrics: CountingMetrics;
  handoffs: HandoffCounts;
  state: FinalState;
  results: readonly InvariantResult[];
}): Summary {
  const { history, state, metrics } = input;
  const deliveries = [...history.deliveries.values()];
  return {
    seed: input.seed,
    scenario: input.scenario,
    faults: input.faults,
    crashRate: input.crashRate,
    jobs: input.jobs,
    jobSet: input.jobSet,
    turnMaxConcurrency: input.turnMaxConcurrency,
    simulatedMs: input.simulatedMs,
    wallMs: input.wallMs,
    fires: {
      scheduled: deliveries.length,
      deliveries: deliveries.reduce((sum, delivery) => sum + delivery.sentAt.length, 0),
      quirks: countBy(deliveries, (delivery) => delivery.quirk),
      outcomes: countBy(
        state.fires.filter((fire) => fire.source === "schedule"),
        (fire) => fire.outcome,
      ),
      outcomesByDelivery: outcomesByDelivery(deliveries, state),
    },
    runs: {
      total: state.runs.length,
      retries: state.runs.filter((run) => run.source === "retry").length,
      byStatus: countBy(state.runs, (run) => run.status),
    },
    harness: countBy(history.executions, (execution) => execution.ending ?? "unfinished"),
    requests: {
      ...input.network.requests,
      dropped: input.network.dropped,
      byOperation: sorted(input.network.byOperation),
    },
    injectedFaults: { ...input.network.faults, crash: input.network.crashes },
    injectedFaultsByOperation: sorted(input.network.faultsByOperation),
    engine: {
      transientRetries: metrics.total(METRICS.transientRetries),
      storeUnavailable: metrics.total(METRICS.storeUnavailable),
      handoffsResent: metrics.total(METRICS.handoffsResent),
      leaseTakeovers: metrics.total(METRICS.leaseTakeovers),
      duplicateFires: metrics.total(METRICS.firesDuplicate),
      poisonMessages: metrics.total(METRICS.poisonMessages),
    },
    handoffs: { sent: input.handoffs.sent, whileWaiting: sorted(input.handoffs.whileWaiting) },
    invocations: { ...history.invocations },
    invocationsThatThrew: { ...history.threw },
    kills: countBy(history.kills, (kill) => `${kill.fn} ${kill.reason}`),
    timers: input.timers,
    deadLetters: state.deadLetters.length,
    invariants: Object.fromEntries(input.results.map((result) => [result.id, result.violations.length])),
    violations: Object.fromEntries(
      input.results
        .filter((result) => result.violations.length > 0)
        .map((result) => [result.id, result.violations]),
    ),
    fingerprint: input.fingerprint,
  };
}

/** The summary without what legitimately differs between two runs of one seed (the wall time). */
export function replayableView(summary: Summary): Omit<Summary, "wallMs"> {
  const { wallMs: _wallMs, ...rest } = summary;
  return rest;
}

function outcomesByDelivery(deliveries: readonly FireDelivery[], state: FinalState) {
  const outcomeOf = new Map(state.fires.map((fire) => [fire.fireKey, fire.outcome]));
  const byQuirk: Record<string, Record<string, number>> = {};
  for (const [quirk, ofQuirk] of Object.entries(groupBy(deliveries, (delivery) => delivery.quirk))) {
    byQuirk[quirk] = countBy(ofQuirk, (delivery) => outcomeOf.get(delivery.fireKey) ?? "none");
  }
  return byQuirk;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Record<string, T[]> {
  const groups: Record<string, T[]> = {};
  for (const item of items) {
    const group = groups[key(item)];
    if (group) group.push(item);
    else groups[key(item)] = [item];
  }
  return groups;
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return sorted(counts);
}
