import { describe, expect, it } from "vitest";
import { drawFault } from "#test/chaos/faults.ts";
import { createPrng } from "#test/chaos/prng.ts";

describe("createPrng", () => {
  it("gives the same sequence for the same seed and stream, another for another stream or seed", () => {
    const draw = (seed: number, name: string) => {
      const random = createPrng(seed, name);
      return Array.from({ length: 5 }, () => random.next());
    };

    expect(draw(7, "network")).toEqual(draw(7, "network"));
    expect(draw(7, "network")).not.toEqual(draw(7, "faults"));
    expect(draw(7, "network")).not.toEqual(draw(8, "network"));
  });

  it("stays in range", () => {
    const random = createPrng(1, "range");
    const values = Array.from({ length: 1000 }, () => random.next());
    const wholes = new Set(Array.from({ length: 1000 }, () => random.int(3, 5)));

    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect([...wholes].sort()).toEqual([3, 4, 5]);
  });
});

describe("drawFault", () => {
  it("throttles about 10% of requests and fails about 5% after applying them", () => {
    const random = createPrng(42, "faults");
    const counts = { throttled: 0, "internal-error": 0, timeout: 0, none: 0 };
    for (let index = 0; index < 20_000; index++)
      counts[drawFault(random, { throttled: 0.1, ambiguous: 0.05, crash: 0 }) ?? "none"]++;

    expect(counts.throttled / 20_000).toBeCloseTo(0.1, 1);
    expect((counts["internal-error"] + counts.timeout) / 20_000).toBeCloseTo(0.05, 1);
    expect(counts["internal-error"]).toBeGreaterThan(0);
    expect(counts.timeout).toBeGreaterThan(0);
  });

  it("draws nothing at zero rates", () => {
    const random = createPrng(1, "faults");
    for (let index = 0; index < 100; index++)
      expect(drawFault(random, { throttled: 0, ambiguous: 0, crash: 0 })).toBeUndefined();
  });
});
