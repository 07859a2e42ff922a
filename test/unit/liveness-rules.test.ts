import { describe, expect, it } from "vitest";
import { asTransientError } from "#adapters/aws/transient-errors.ts";
import { ManualClock } from "#core/clock.ts";
import { StoreUnavailableError, TransientError } from "#core/errors.ts";
import { overdueStatusOf, STALL_GRACE_MS } from "#core/holders/settle-overdue-holder.ts";
import { parseScheduleExpression } from "#core/jobs/schedule-expression.ts";
import { defaultStartDeadlineSeconds } from "#core/jobs/start-deadline.ts";
import type { LeaseState } from "#core/leases/lease.ts";
import { retryTransient } from "#core/retry.ts";
import { shouldHandOffAgain } from "#core/runs/handoff.ts";
import type { RunRecord } from "#core/runs/run-record.ts";

const t0 = Date.UTC(2026, 10, 22, 4, 0, 0);

describe("which store errors are transient", () => {
  const call = { service: "dynamodb", operation: "TransactWriteItems" };
  it.each([
    [{ name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }, false],
    [{ name: "ProvisionedThroughputExceededException", $metadata: { httpStatusCode: 400 } }, false],
    [{ name: "InternalServerError", $metadata: { httpStatusCode: 500 } }, true],
    [{ name: "TimeoutError" }, true],
    [{ name: "Error", code: "ECONNRESET" }, true],
    [{ name: "Error", code: "ECONNREFUSED" }, false],
  ])("retries %o (may have been applied: %s)", (shape, maybeApplied) => {
    const error = asTransientError(Object.assign(new Error("boom"), shape), call);
    expect(error).toBeInstanceOf(TransientError);
    expect(error?.detail.maybeApplied).toBe(maybeApplied);
  });

  it.each([
    { name: "ConditionalCheckFailedException", $metadata: { httpStatusCode: 400 } },
    { name: "ValidationException", $metadata: { httpStatusCode: 400 } },
    { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } },
  ])("does not retry %o", (shape) => {
    expect(asTransientError(Object.assign(new Error("no"), shape), call)).toBeUndefined();
  });
});

describe("retrying within a budget", () => {
  const transient = () =>
    new TransientError("throttled", {
      service: "dynamodb",
      operation: "UpdateItem",
      code: "ThrottlingException",
      maybeApplied: false,
    });

  it("retries transient failures with growing back-off until the work succeeds", async () => {
    // Prepare
    const clock = new ManualClock(t0);
    let attempts = 0;
    const waits: number[] = [];
    const work = retryTransient(
      async () => {
        attempts++;
        if (attempts < 4) throw transient();
        return "done";
      },
      {
        clock,
        step: "test",
        until: t0 + 60_000,
        random: () => 0.999,
        onRetry: (_e, _n, ms) => waits.push(ms),
      },
    );
    // Act: let each back-off pass.
    for (let step = 0; step < 10 && attempts < 4; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(10_000);
    }
    // Assess
    await expect(work).resolves.toBe("done");
    expect(waits).toEqual([100, 200, 400]);
  });

  it("gives up with StoreUnavailableError naming the step once the budget is spent", async () => {
    const clock = new ManualClock(t0);
    const work = retryTransient(
      async () => {
        throw transient();
      },
      { clock, step: "run X: recording its progress", until: t0 + 2_000, random: () => 0.999 },
    );
    const outcome = work.catch((error: unknown) => error);
    for (let step = 0; step < 50; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(250);
    }
    const error = await outcome;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(
      /^run X: recording its progress: the dynamodb call UpdateItem kept failing/,
    );
  });

  it("does not retry an error a retry cannot fix", async () => {
    let attempts = 0;
    const work = retryTransient(
      async () => {
        attempts++;
        throw new Error("a bug");
      },
      { clock: new ManualClock(t0), step: "test", until: t0 + 60_000 },
    );
    await expect(work).rejects.toThrow("a bug");
    expect(attempts).toBe(1);
  });
});

describe("when a holder's time is up", () => {
  const started: RunRecord = {
    jobId: "job",
    runId: "01RUN",
    fireKey: "job#x",
    source: "schedule",
    scheduledAt: t0,
    createdAt: t0,
    status: "running",
    attempt: 1,
    coalescedFires: 1,
    jobVersion: 1,
    startedAt: t0,
    phase: "agent-turn",
    phases: {},
    plugins: {},
  };
  const lease = (fields: Partial<LeaseState>): LeaseState => ({
    jobId: "job",
    token: 1,
    holderRunId: "01RUN",
    phase: "agent-turn",
    ...fields,
  });
  const settings = { maxRunSeconds: 600 };

  it("never calls a queued run dead before its start deadline, however long it waited", () => {
    const queued = { ...started, status: "queued" as const, startedAt: undefined, phase: undefined };
    const waiting = lease({ phase: undefined, expiresAt: t0 + 900_000 });
    expect(overdueStatusOf(waiting, queued, settings, t0 + 899_000)).toBeUndefined();
    expect(overdueStatusOf(waiting, queued, settings, t0 + 900_001)).toEqual({
      status: "not-started",
      overdue: "lease-expired",
    });
  });

  it("calls a run stalled only with proof of life after its phase deadline, past the grace", () => {
    const deadline = t0 + 60_000;
    const silent = lease({
      phaseDeadlineAt: deadline,
      heartbeatAt: deadline - 5_000,
      expiresAt: deadline + 55_000,
    });
    const alive = lease({
      phaseDeadlineAt: deadline,
      heartbeatAt: deadline + 10_000,
      expiresAt: deadline + 70_000,
    });
    expect(overdueStatusOf(silent, started, settings, deadline + STALL_GRACE_MS + 1)).toBeUndefined();
    expect(overdueStatusOf(alive, started, settings, deadline + STALL_GRACE_MS)).toBeUndefined();
    expect(overdueStatusOf(alive, started, settings, deadline + STALL_GRACE_MS + 1)).toEqual({
      status: "stalled",
      overdue: "phase-overdue",
    });
  });

  it("calls a run that went silent long before its ceiling abandoned, not timed-out, however late the sweep", () => {
    const silent = lease({ phaseDeadlineAt: t0 + 300_000, heartbeatAt: t0 + 20_000, expiresAt: t0 + 80_000 });
    // Hours later (a runtime outage longer than the ceiling): still abandoned.
    expect(overdueStatusOf(silent, started, settings, t0 + 3 * 3_600_000)?.status).toBe("abandoned");
  });

  it("calls a run timed-out when it was presumed alive at its ceiling and never recorded an end", () => {
    const atCeiling = lease({
      phaseDeadlineAt: t0 + 590_000,
      heartbeatAt: t0 + 580_000,
      expiresAt: t0 + 640_000,
    });
    expect(overdueStatusOf(atCeiling, started, settings, t0 + 640_001)?.status).toBe("timed-out");
  });

  it("ends a silent run as soon as its function timeout has passed, without waiting for a long lease", () => {
    const longLease = lease({
      phaseDeadlineAt: t0 + 5_000,
      heartbeatAt: t0 + 1_000,
      expiresAt: t0 + 901_000,
    });
    const quick = { maxRunSeconds: 7 };
    expect(overdueStatusOf(longLease, started, quick, t0 + 36_000)).toBeUndefined();
    expect(overdueStatusOf(longLease, started, quick, t0 + 37_001)).toEqual({
      status: "timed-out",
      overdue: "phase-overdue",
    });
  });
});

describe("handing a queued run off again", () => {
  const run = { createdAt: t0, handoffs: 1, lastHandoffAt: t0, startDeadlineAt: t0 + 900_000 };

  it("waits a minute, then re-sends at once when the turns queue is idle", () => {
    expect(shouldHandOffAgain(run, t0 + 59_000, { waiting: 0 })).toBe(false);
    expect(shouldHandOffAgain(run, t0 + 61_000, { waiting: 0 })).toBe(true);
  });

  it("does not multiply a backlog: re-sends only after half the start window", () => {
    expect(shouldHandOffAgain(run, t0 + 300_000, { waiting: 340 })).toBe(false);
    expect(shouldHandOffAgain(run, t0 + 450_000, { waiting: 340 })).toBe(true);
  });

  it("stops after four handoffs", () => {
    expect(shouldHandOffAgain({ ...run, handoffs: 4 }, t0 + 600_000, { waiting: 0 })).toBe(false);
  });
});

describe("the default start deadline", () => {
  it.each([
    ["rate(1 minute)", 120],
    ["rate(5 minutes)", 300],
    ["cron(0/30 * * * ? *)", 900],
    ["rate(1 day)", 900],
    ["cron(0 9 ? * MON-FRI *)", 900],
  ])("for %s is %i s: the period, kept between 2 and 15 minutes", (schedule, seconds) => {
    expect(defaultStartDeadlineSeconds(parseScheduleExpression(schedule))).toBe(seconds);
  });
});
