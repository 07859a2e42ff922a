import { describe, expect, it } from "vitest";
import { PacerDeadlineError, PacerThrottledError, RequestPacer } from "#adapters/schedules/request-pacer.ts";
import { VirtualTiming } from "#test/support/virtual-timing.ts";

const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

/** A pacer with an attempt limit of 3 and a deadline `budgetMs` ahead, on virtual time. */
function pacerWithBudget(budgetMs: number) {
  const timing = new VirtualTiming();
  const pacer = new RequestPacer({
    requestsPerSecond: 100,
    maxAttempts: 3,
    maxBackoffMs: 1_000,
    timing,
    deadlineAt: timing.now() + budgetMs,
  });
  return { pacer, timing };
}

describe("the request pacer", () => {
  it("keeps to its rate: 100 requests at 10 per second with a burst of 10 take about 9 s", async () => {
    // Prepare
    const timing = new VirtualTiming();
    const pacer = new RequestPacer({ requestsPerSecond: 10, concurrency: 5, timing });
    const sentAt: number[] = [];
    const start = timing.now();

    // Act
    await pacer.forEach(
      Array.from({ length: 100 }, (_, i) => i),
      async () => {
        await pacer.send("a request", async () => sentAt.push(timing.now()));
      },
    );

    // Assess
    expect(sentAt).toHaveLength(100);
    expect(timing.now() - start).toBeGreaterThanOrEqual(9_000);
    expect(timing.now() - start).toBeLessThan(9_500);
    // No second holds more than the bucket (10) plus its refill (10).
    const perSecond = new Map<number, number>();
    for (const at of sentAt)
      perSecond.set(
        Math.floor((at - start) / 1000),
        (perSecond.get(Math.floor((at - start) / 1000)) ?? 0) + 1,
      );
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(20);
  });

  it("retries a throttled request with backoff until it passes", async () => {
    const timing = new VirtualTiming();
    const pacer = new RequestPacer({ requestsPerSecond: 100, timing, random: () => 1 });
    let calls = 0;
    const result = await pacer.send("a request", async () => {
      calls++;
      if (calls < 4) throw throttled();
      return "ok";
    });
    expect(result).toBe("ok");
    expect(pacer.counts).toEqual({ requests: 4, throttled: 3 });
  });

  it("gives up after its last attempt with an error that says what was throttled", async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 100, maxAttempts: 3, timing: new VirtualTiming() });
    await expect(pacer.send("create schedule g/a", async () => Promise.reject(throttled()))).rejects.toThrow(
      new PacerThrottledError(
        "create schedule g/a was throttled 3 times in a row (ThrottlingException); try again later or lower the request rate",
      ),
    );
  });

  it("with a deadline, retries throttling past its attempt limit until the request passes", async () => {
    // Prepare: 12 throttles in a row, an attempt limit of 3, and a budget that outlasts them
    const { pacer } = pacerWithBudget(60_000);
    let calls = 0;

    // Act
    const result = await pacer.send("create schedule g/a", async () => {
      calls++;
      if (calls <= 12) throw throttled();
      return "ok";
    });

    // Assess
    expect(result).toBe("ok");
    expect(pacer.counts).toEqual({ requests: 13, throttled: 12 });
  });

  it("with a deadline, ends a request that stays throttled with a deadline error the next pass resumes from", async () => {
    const { pacer, timing } = pacerWithBudget(30_000);
    const start = timing.now();
    let calls = 0;

    const act = pacer.send("create schedule g/a", async () => {
      calls++;
      throw throttled();
    });

    await expect(act).rejects.toBeInstanceOf(PacerDeadlineError);
    expect(calls).toBeGreaterThan(3);
    expect(timing.now()).toBeLessThanOrEqual(start + 30_000);
  });

  it("does not retry a quota error: it throws the error the quota rule makes of it, after one request", async () => {
    const pacer = new RequestPacer({
      requestsPerSecond: 100,
      timing: new VirtualTiming(),
      quotaError: (error) =>
        (error as Error).name === "LimitExceededException"
          ? new Error("the quota is used up; switch backends")
          : undefined,
    });
    let calls = 0;
    await expect(
      pacer.send("put rule", async () => {
        calls++;
        throw Object.assign(new Error("limit"), { name: "LimitExceededException" });
      }),
    ).rejects.toThrow("the quota is used up; switch backends");
    expect(calls).toBe(1);
  });

  it("passes other errors through at once", async () => {
    const pacer = new RequestPacer({ requestsPerSecond: 100, timing: new VirtualTiming() });
    let calls = 0;
    await expect(
      pacer.send("put rule", async () => {
        calls++;
        throw Object.assign(new Error("bad"), { name: "ValidationException" });
      }),
    ).rejects.toThrow("bad");
    expect(calls).toBe(1);
  });

  it("starts no request after its deadline", async () => {
    const timing = new VirtualTiming();
    const pacer = new RequestPacer({
      requestsPerSecond: 1,
      burst: 1,
      timing,
      deadlineAt: timing.now() + 2_500,
    });
    let sent = 0;
    const outcome = pacer.forEach(
      Array.from({ length: 10 }, (_, i) => i),
      async () => {
        await pacer.send("a request", async () => sent++);
      },
    );
    await expect(outcome).rejects.toBeInstanceOf(PacerDeadlineError);
    expect(sent).toBe(3); // at 0 s, 1 s and 2 s
  });
});
