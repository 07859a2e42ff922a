import type { OverlapPolicy } from "#core/jobs/job-schema.ts";
import type { FireOutcome, RunRecord } from "#core/runs/run-record.ts";
import type { FinalState } from "./final-state.ts";
import type { Crash, FireDelivery, HarnessExecution } from "./history.ts";
import type { LateRequest } from "./sim-network.ts";

/** Everything the invariants are checked over: the history as observed, and the final state. */
export interface Observations {
  readonly deliveries: readonly FireDelivery[];
  readonly executions: readonly HarnessExecution[];
  readonly lateRequests: readonly LateRequest[];
  readonly crashes: readonly Crash[];
  /** The overlap policy of each job. */
  readonly overlapOf: ReadonlyMap<string, OverlapPolicy>;
  /** Each job's start deadline in ms (a fire delivered before it must not be called never-arrived). */
  readonly startDeadlineMsOf: ReadonlyMap<string, number>;
  /** False when the simulation hit its time limit before everything settled. */
  readonly quiesced: boolean;
  readonly state: FinalState;
}

export interface InvariantResult {
  readonly id: string;
  /** What must hold, in one sentence. */
  readonly title: string;
  readonly violations: readonly string[];
}

type Check = (observations: Observations) => InvariantResult;

const OUTCOMES: ReadonlySet<FireOutcome> = new Set(["run", "skipped", "buffered", "rejected", "missed"]);

const firesWithoutOutcome: Check = ({ deliveries, state }) => {
  const fires = new Map(state.fires.map((fire) => [fire.fireKey, fire]));
  const violations = deliveries
    .filter((delivery) => !OUTCOMES.has(fires.get(delivery.fireKey)?.outcome as FireOutcome))
    .map(
      (delivery) => `${delivery.fireKey} (${delivery.quirk}, sent ${times(delivery.sentAt)}): no fire record`,
    );
  return {
    id: "fires-without-outcome",
    title: "every delivered fire has exactly one recorded outcome",
    violations,
  };
};

const lateFiresNotMissed: Check = ({ deliveries, state }) => {
  const fires = new Map(state.fires.map((fire) => [fire.fireKey, fire]));
  const violations = deliveries
    .filter((delivery) => delivery.quirk === "past-deadline")
    .filter((delivery) => fires.get(delivery.fireKey)?.outcome !== "missed")
    .map(
      (delivery) =>
        `${delivery.fireKey} arrived after its start deadline but ended ${fires.get(delivery.fireKey)?.outcome ?? "without an outcome"}`,
    );
  return {
    id: "late-fires-not-missed",
    title: "a fire delivered after its start deadline ends missed",
    violations,
  };
};

const arrivedCalledMissing: Check = ({ deliveries, state, startDeadlineMsOf }) => {
  const fires = new Map(state.fires.map((fire) => [fire.fireKey, fire]));
  const violations = deliveries
    .filter((delivery) => fires.get(delivery.fireKey)?.reason === "never-arrived")
    .filter((delivery) => {
      const firstSent = Math.min(...delivery.sentAt);
      return firstSent < delivery.scheduledAt + (startDeadlineMsOf.get(delivery.jobId) ?? 0);
    })
    .map(
      (delivery) =>
        `${delivery.fireKey} (${delivery.quirk}, sent ${times(delivery.sentAt)}) was recorded as never arrived`,
    );
  return {
    id: "arrived-called-missing",
    title: "missed-fire detection never records a fire delivered before its start deadline as never arrived",
    violations,
  };
};

const firesWithTwoRuns: Check = ({ state }) => {
  const runsByFire = groupBy(
    state.runs.filter((run) => run.source !== "retry"),
    (run) => run.fireKey,
  );
  const violations = [...runsByFire]
    .filter(([, runs]) => runs.length > 1)
    .map(([fireKey, runs]) => `${fireKey}: ${runs.length} runs (${runs.map(describeRun).join("; ")})`);
  return { id: "fires-with-two-runs", title: "no fire has two runs (retries aside)", violations };
};

const overlappingExecutions: Check = ({ executions }) => {
  const violations: string[] = [];
  for (const [jobId, ofJob] of groupBy(executions, (execution) => execution.jobId)) {
    const sorted = [...ofJob].sort((a, b) => a.startedAt - b.startedAt);
    let previous: HarnessExecution | undefined;
    for (const execution of sorted) {
      if (previous && execution.startedAt < (previous.endedAt ?? Number.POSITIVE_INFINITY)) {
        violations.push(
          `${jobId}: run ${execution.runId} started at ${time(execution.startedAt)} while run ${previous.runId} ran (${time(previous.startedAt)}–${previous.endedAt === undefined ? "never ended" : time(previous.endedAt)})`,
        );
      }
      if (
        !previous ||
        (execution.endedAt ?? Number.POSITIVE_INFINITY) > (previous.endedAt ?? Number.POSITIVE_INFINITY)
      )
        previous = execution;
    }
  }
  return { id: "overlapping-executions", title: "no two harness executions of one job overlap", violations };
};

const harnessRanTwice: Check = ({ executions }) => {
  const violations = [...groupBy(executions, (execution) => execution.runId)]
    .filter(([, ofRun]) => ofRun.length > 1)
    .map(
      ([runId, ofRun]) =>
        `run ${runId}: its harness ran ${ofRun.length} times (${ofRun.map((e) => time(e.startedAt)).join(", ")})`,
    );
  return { id: "harness-ran-twice", title: "a run's harness runs at most once", violations };
};

const neverStarted: Check = ({ state }) => {
  const violations = state.runs
    .filter((run) => run.status === "not-started" || run.status === "abandoned")
    .map((run) => `${describeRun(run)}: ${run.error?.message ?? run.diagnostic ?? ""}`);
  return {
    id: "never-started",
    title: "no run ends not-started or abandoned (every job here can start in time)",
    violations,
  };
};

const outcomesLost: Check = ({ executions, state }) => {
  const runs = new Map(state.runs.map((run) => [run.runId, run]));
  const violations: string[] = [];
  for (const execution of executions) {
    const run = runs.get(execution.runId);
    const expected =
      execution.ending === "returned" ? "succeeded" : execution.ending === "failed" ? "failed" : undefined;
    if (!expected) continue;
    const recorded =
      run?.status === expected && (expected !== "failed" || run.error?.class === "HarnessFailedError");
    if (!recorded) {
      violations.push(
        `run ${execution.runId} (${execution.jobId}): the harness ${execution.ending === "returned" ? "returned" : "threw HarnessFailedError"} at ${time(execution.endedAt ?? 0)} but the run is ${run ? `${run.status}${run.error ? ` (${run.error.class}: ${run.error.message})` : ""}` : "missing"}`,
      );
    }
  }
  return { id: "outcomes-lost", title: "a finished harness's outcome is recorded as it ended", violations };
};

const failedByFault: Check = ({ state }) => {
  const violations = state.runs
    .filter((run) => run.status === "failed" && run.error?.class !== "HarnessFailedError")
    .map((run) => `${describeRun(run)}: ${run.error?.class}: ${run.error?.message}`);
  return {
    id: "failed-by-fault",
    title: "a run fails only for its harness's own reasons, never an injected fault",
    violations,
  };
};

const unexpectedEndings: Check = ({ state, overlapOf }) => {
  const violations = state.runs
    .filter(
      (run) =>
        run.status === "stalled" ||
        run.status === "timed-out" ||
        (run.status === "cancelled" && overlapOf.get(run.jobId) !== "replace"),
    )
    .map(
      (run) => `${describeRun(run)}: ${run.error?.class ?? ""} ${run.error?.message ?? run.diagnostic ?? ""}`,
    );
  return {
    id: "unexpected-endings",
    title: "no run stalls or times out (every budget here fits its work), only `replace` cancels",
    violations,
  };
};

const requestsAfterReturn: Check = ({ lateRequests }) => ({
  id: "requests-after-return",
  title: "no request is sent by an invocation that already returned (no timer outlives it)",
  violations: lateRequests.map(
    (late) =>
      `${late.origin} sent ${late.operation} at ${time(late.at)}, ${late.afterReturnMs} ms after it returned`,
  ),
});

const coalescedCount: Check = ({ state }) => {
  const coalesced = state.runs
    .filter((run) => run.source !== "retry")
    .reduce((sum, run) => sum + run.coalescedFires, 0);
  const ran = state.fires.filter(
    (fire) => fire.outcome === "run" && (fire.source === "schedule" || fire.source === "manual"),
  ).length;
  const buffered = state.fires.filter((fire) => fire.outcome === "buffered").length;
  const violations =
    coalesced === ran + buffered
      ? []
      : [
          `Σ coalescedFires of the runs is ${coalesced}, but ${ran} fires ran and ${buffered} were buffered (${ran + buffered})`,
        ];
  return {
    id: "coalesced-count",
    title: "Σ coalescedFires over runs = fires that ran + fires buffered",
    violations,
  };
};

const settled: Check = ({ state, quiesced }) => {
  const violations: string[] = [];
  if (!quiesced) violations.push("the simulation reached its time limit before everything settled");
  for (const run of state.runs)
    if (run.status === "queued" || run.status === "running")
      violations.push(`${describeRun(run)} never ended`);
  for (const lease of state.leases) {
    if (lease.holderRunId) violations.push(`${lease.jobId}: lease still held by run ${lease.holderRunId}`);
    if (lease.pending)
      violations.push(
        `${lease.jobId}: ${lease.pending.count} buffered fire(s) still pending (buffer ${lease.pending.bufferId})`,
      );
  }
  for (const [queue, depth] of Object.entries(state.workQueueDepth))
    if (depth > 0) violations.push(`${queue}: ${depth} message(s) left`);
  return {
    id: "settled",
    title: "at the end every run is terminal, every lease free, nothing pending or queued",
    violations,
  };
};

const deadLettersWithoutReason: Check = ({ state }) => ({
  id: "dead-letters-without-reason",
  title: "a message in a DLQ carries its reason (agentcron.rejectReason)",
  violations: state.deadLetters
    .filter((letter) => !letter.rejectReason)
    .map((letter) => `${letter.queue}: ${letter.body.slice(0, 160)}`),
});

const crashes: Check = ({ crashes: observed }) => ({
  id: "crashes",
  title: "no unhandled rejection or exception",
  violations: observed.map((crash) => `${crash.what} at ${time(crash.at)}: ${crash.error}`),
});

export const INVARIANTS: readonly Check[] = [
  firesWithoutOutcome,
  lateFiresNotMissed,
  arrivedCalledMissing,
  firesWithTwoRuns,
  overlappingExecutions,
  harnessRanTwice,
  neverStarted,
  outcomesLost,
  failedByFault,
  unexpectedEndings,
  requestsAfterReturn,
  coalescedCount,
  settled,
  deadLettersWithoutReason,
  crashes,
];

/** Checks every invariant over the observations. */
export function checkInvariants(observations: Observations): InvariantResult[] {
  return INVARIANTS.map((check) => check(observations));
}

function describeRun(run: RunRecord): string {
  return `run ${run.runId} (${run.jobId}, ${run.source}${run.attempt > 1 ? ` attempt ${run.attempt}` : ""}, ${run.status})`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Simulated date and time, to the millisecond (month-day, UTC). */
export function time(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(5, 23);
}

function times(list: readonly number[]): string {
  return list.map(time).join(" and ");
}
