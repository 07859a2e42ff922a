import { describe, expect, it } from "vitest";
import { renderSparkline, rollingFailureRates } from "../../../cli/console/views/sparkline.ts";

describe("the failure-rate sparkline", () => {
  it("plots the failure rate over the window ending at each run", () => {
    expect(rollingFailureRates(["succeeded", "failed", "failed", "succeeded", "succeeded"], 2)).toEqual([
      0, 0.5, 1, 0.5, 0,
    ]);
  });

  it("marks each failed run and says the trend in words", () => {
    const svg = renderSparkline(["succeeded", "failed", "timed-out", "cancelled"], 10).value;
    expect(svg.match(/class="spark-fail"/g)).toHaveLength(2);
    expect(svg).toContain(
      'aria-label="Failure rate over the last 4 runs (each over 10): from 0% to 50%; 2 failed"',
    );
  });

  it("says there are no runs instead of drawing an empty line", () => {
    expect(renderSparkline([], 10).value).toContain("no runs");
  });
});
