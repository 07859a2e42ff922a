import { describe, expect, it } from "vitest";
import { failureExcerpt, TailLines } from "#scripts/failure-excerpt.ts";

const ESC = "\u001b";

/** The shape of vitest 4's default report for a failed file and a failed test (colours included). */
const vitestReport = [
  ` ${ESC}[31m❯${ESC}[39m a.test.ts (3 tests | 2 failed) 122ms`,
  `${ESC}[31m     ×${ESC}[39m adds 8ms`,
  "",
  `${ESC}[31m⎯⎯⎯⎯⎯⎯${ESC}[39m${ESC}[1m${ESC}[41m Failed Suites 1 ${ESC}[49m${ESC}[22m${ESC}[31m⎯⎯⎯⎯⎯⎯⎯${ESC}[39m`,
  "",
  `${ESC}[41m${ESC}[1m FAIL ${ESC}[22m${ESC}[49m b.test.ts [ b.test.ts ]`,
  `${ESC}[31m${ESC}[1mError${ESC}[22m: cannot load the module${ESC}[39m`,
  " ❯ b.test.ts:2:7",
  "      2| throw new Error();",
  "",
  `${ESC}[41m${ESC}[1m FAIL ${ESC}[22m${ESC}[49m a.test.ts > suite > adds`,
  "AssertionError: expected 2 to be 3 // Object.is equality",
  "",
  "- Expected",
  "+ Received",
  "",
  `${ESC}[41m${ESC}[1m FAIL ${ESC}[22m${ESC}[49m a.test.ts > suite > waits`,
  "Error: Test timed out in 100ms.",
  'If this is a long-running test, pass a timeout value as the last argument or configure it globally with "testTimeout".',
  " ❯ a.test.ts:4:3",
  "",
  " Test Files  2 failed (2)",
  "      Tests  2 failed | 1 passed (3)",
  "   Duration  949ms",
];

describe("what npm test repeats about a failed step", () => {
  it("names each failed file and test of a vitest report with its error message, then the counts", () => {
    expect(failureExcerpt(vitestReport)).toEqual([
      "FAIL  b.test.ts [ b.test.ts ]",
      "  Error: cannot load the module",
      "FAIL  a.test.ts > suite > adds",
      "  AssertionError: expected 2 to be 3 // Object.is equality",
      "FAIL  a.test.ts > suite > waits",
      "  Error: Test timed out in 100ms.",
      '  If this is a long-running test, pass a timeout value as the last argument or configure it globally with "testTimeout".',
      "Test Files  2 failed (2)",
      "Tests  2 failed | 1 passed (3)",
    ]);
  });

  it("repeats the end of any other output (tsc, biome), without trailing blank lines", () => {
    const tsc = [
      "ok",
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      "",
      "",
    ];
    expect(failureExcerpt(tsc, 1)).toEqual([
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  });

  it("keeps within its line budget and says how much it left out", () => {
    const many = Array.from({ length: 30 }, (_, index) => [
      ` FAIL  t.test.ts > test ${index}`,
      "Error: boom",
    ]).flat();
    const excerpt = failureExcerpt(many, 10);
    expect(excerpt).toHaveLength(10);
    expect(excerpt[9]).toBe("… and 51 more lines");
  });
});

describe("the tail kept of a step's output", () => {
  it("keeps the last lines, whole, whatever the chunks' boundaries", () => {
    const tail = new TailLines(3);
    for (const chunk of ["one\ntw", "o\r\nthree\nfo", "ur\nfi", "ve"]) tail.write(chunk);
    expect(tail.all()).toEqual(["three", "four", "five"]);
  });
});
