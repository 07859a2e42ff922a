import { describe, expect, it } from "vitest";
import type { FireRecord, RunRecord } from "#core/runs/run-record.ts";
import type { FinalState } from "#test/chaos/final-state.ts";
import type { FireDelivery, HarnessExecution } from "#test/chaos/history.ts";
import { checkInvariants, type Observations } from "#test/chaos/invariants.ts";

const T0 = Date.UTC(2026, 10, 23);

function run(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    jobId: "job-a",
    runId,
    fireKey: `job-a#${runId}`,
    source: "schedule",
    scheduledAt: T0,
    createdAt: T0,
    status: "succeeded",
    attempt: 1,
    coalescedFires: 1,
    jobVersion: 1,
    phases: {},
    plugins: {},
    ...overrides,
  };
}

function fire(fireKey: string, overrides: Partial<FireRecord> = {}): FireRecord {
  return {
    jobId: "job-a",
    fireKey,
    source: "schedule",
    scheduledAt: T0,
    receivedAt: T0,
    outcome: "run",
    ...overrides,
  };
}

function delivery(fireKey: string, overrides: Partial<FireDelivery> = {}): FireDelivery {
  return { jobId: "job-a", fireKey, scheduledAt: T0, quirk: "on-time", sentAt: [T0], ...overrides };
}

function execution(
  runId: string,
  startedAt: number,
  endedAt: number,
  ending: HarnessExecution["ending"] = "returned",
) {
  return {
    jobId: "job-a",
    runId,
    invocation: undefined,
    startedAt,
    endedAt,
    ending,
  } satisfies HarnessExecution;
}

/** A history where everything holds: two fires, each ran once and succeeded, one after the other. */
function clean(): { -readonly [K in keyof Observations]: Observations[K] } & { state: FinalState } {
  return {
    deliveries: [delivery("job-a#1"), delivery("job-a#2")],
    executions: [execution("1", T0, T0 + 10), execution("2", T0 + 10, T0 + 20)],
    lateRequests: [],
    crashes: [],
    overlapOf: new Map([["job-a", "buffer-one"]]),
    startDeadlineMsOf: new Map([["job-a", 120_000]]),
    quiesced: true,
    state: {
      fires: [fire("job-a#1", { runId: "1" }), fire("job-a#2", { runId: "2" })],
      runs: [run("1", { fireKey: "job-a#1" }), run("2", { fireKey: "job-a#2" })],
      leases: [{ jobId: "job-a", token: 2 }],
      deadLetters: [],
      workQueueDepth: { fires: 0, turns: 0 },
    },
  };
}

function violationsOf(observations: Observations): Record<string, number> {
  return Object.fromEntries(
    checkInvariants(observations)
      .filter((result) => result.violations.length > 0)
      .map((result) => [result.id, result.violations.length]),
  );
}

describe("checkInvariants", () => {
  it("finds nothing in a clean history", () => {
    expect(violationsOf(clean())).toEqual({});
  });

  it("finds a delivered fire without a record, and a late one that did not end missed", () => {
    const observations = clean();
    observations.deliveries = [...observations.deliveries, delivery("job-a#3", { quirk: "past-deadline" })];

    expect(violationsOf(observations)).toEqual({ "fires-without-outcome": 1, "late-fires-not-missed": 1 });
  });

  it("finds a fire that was delivered in time but recorded as never arrived (not one delivered after its deadline)", () => {
    const observations = clean();
    observations.deliveries = [
      ...observations.deliveries,
      delivery("job-a#3", { quirk: "delayed", sentAt: [T0 + 60_000] }),
      delivery("job-a#4", { quirk: "delayed", sentAt: [T0 + 300_000] }),
    ];
    const neverArrived = { outcome: "missed", reason: "never-arrived" } as const;
    observations.state = {
      ...observations.state,
      fires: [...observations.state.fires, fire("job-a#3", neverArrived), fire("job-a#4", neverArrived)],
    };

    expect(violationsOf(observations)).toEqual({ "arrived-called-missing": 1 });
  });

  it("finds a fire with two runs (but not a fire and its retry)", () => {
    const observations = clean();
    observations.state = {
      ...observations.state,
      runs: [
        ...observations.state.runs,
        run("3", { fireKey: "job-a#1", source: "retry", attempt: 2, coalescedFires: 1 }),
        run("4", { fireKey: "job-a#2", coalescedFires: 0 }),
      ],
    };

    expect(violationsOf(observations)).toEqual({ "fires-with-two-runs": 1 });
  });

  it("finds overlapping executions of one job and a harness that ran twice", () => {
    const observations = clean();
    observations.executions = [
      execution("1", T0, T0 + 100),
      execution("2", T0 + 50, T0 + 120),
      execution("2", T0 + 200, T0 + 210),
    ];

    expect(violationsOf(observations)).toEqual({ "overlapping-executions": 1, "harness-ran-twice": 1 });
  });

  it("finds lost outcomes: a harness that returned on a run recorded otherwise", () => {
    const observations = clean();
    observations.state = {
      ...observations.state,
      runs: [
        run("1", { fireKey: "job-a#1", status: "stalled" }),
        run("2", {
          fireKey: "job-a#2",
          status: "failed",
          error: { class: "StoreUnavailableError", message: "store down" },
        }),
      ],
    };

    expect(violationsOf(observations)).toEqual({
      "outcomes-lost": 2,
      "failed-by-fault": 1,
      "unexpected-endings": 1,
    });
  });

  it("accepts a failed run whose harness threw HarnessFailedError", () => {
    const observations = clean();
    observations.executions = [execution("1", T0, T0 + 10), execution("2", T0 + 10, T0 + 20, "failed")];
    observations.state = {
      ...observations.state,
      runs: [
        run("1", { fireKey: "job-a#1" }),
        run("2", {
          fireKey: "job-a#2",
          status: "failed",
          error: { class: "HarnessFailedError", message: "as configured" },
        }),
      ],
    };

    expect(violationsOf(observations)).toEqual({});
  });

  it("finds runs that never started, and cancellations outside `replace`", () => {
    const observations = clean();
    observations.state = {
      ...observations.state,
      runs: [
        run("1", { fireKey: "job-a#1", status: "cancelled" }),
        run("2", { fireKey: "job-a#2", status: "not-started" }),
      ],
    };
    observations.executions = [];

    expect(violationsOf(observations)).toEqual({ "never-started": 1, "unexpected-endings": 1 });
  });

  it("checks that coalesced fires add up to the fires that ran and were buffered", () => {
    const observations = clean();
    observations.state = {
      ...observations.state,
      fires: [...observations.state.fires, fire("job-a#3", { outcome: "buffered" })],
    };
    observations.deliveries = [...observations.deliveries, delivery("job-a#3")];

    expect(violationsOf(observations)).toEqual({ "coalesced-count": 1 });

    observations.state = {
      ...observations.state,
      runs: [
        ...observations.state.runs,
        run("5", { fireKey: "job-a#buffered#5", source: "buffered", coalescedFires: 1 }),
      ],
    };
    observations.executions = [...observations.executions, execution("5", T0 + 30, T0 + 40)];
    expect(violationsOf(observations)).toEqual({});
  });

  it("finds what did not settle, dead letters without a reason, late requests and crashes", () => {
    const observations = clean();
    observations.quiesced = false;
    observations.lateRequests = [
      { origin: "turn #3 (run 1)", operation: "dynamodb:UpdateItem", at: T0, afterReturnMs: 5 },
    ];
    observations.crashes = [{ what: "unhandled rejection", at: T0, error: "Error: boom" }];
    observations.state = {
      ...observations.state,
      leases: [
        {
          jobId: "job-a",
          token: 3,
          holderRunId: "9",
          pending: { bufferId: "9", count: 1, firstScheduledAt: T0, lastScheduledAt: T0 },
        },
      ],
      deadLetters: [
        { queue: "fires-dlq", body: "{}", rejectReason: "not a fire" },
        { queue: "fires-dlq", body: "{}" },
      ],
      workQueueDepth: { fires: 0, turns: 2 },
    };

    expect(violationsOf(observations)).toEqual({
      settled: 4,
      "dead-letters-without-reason": 1,
      "requests-after-return": 1,
      crashes: 1,
    });
  });
});
