import { describe, expect, it } from "vitest";
import { renderTimelineChart } from "../../../cli/render/timeline-chart.ts";

const T0 = Date.UTC(2026, 10, 22, 4, 0, 0);

/** The bar area of a chart line: between the first `│` and the edge after it. */
function barOf(line: string | undefined): string {
  const start = (line ?? "").indexOf("│");
  return (line ?? "").slice(start + 1, start + 1 + 20);
}

describe("the timeline chart", () => {
  it("scales each phase's bar to the run: a phase taking half the run fills half the width", () => {
    // Prepare
    const rows = [
      { label: "setup", startedAt: T0, endedAt: T0 + 5_000, deadlineAt: T0 + 100_000, outcome: "ok" },
      {
        label: "agent-turn",
        startedAt: T0 + 5_000,
        endedAt: T0 + 10_000,
        deadlineAt: T0 + 100_000,
        outcome: "ok",
      },
    ];
    // Act
    const lines = renderTimelineChart(rows, {
      originMs: T0,
      endMs: T0 + 10_000,
      nowMs: T0 + 10_000,
      width: 20,
    });
    // Assess
    expect(barOf(lines[1])).toBe(`${"█".repeat(10)}${" ".repeat(10)}`);
    expect(barOf(lines[2])).toBe(`${" ".repeat(10)}${"█".repeat(10)}`);
    expect(lines[1]).toContain("5.0s of 1m40s");
  });

  it("marks a deadline inside the chart with | and one beyond it with › at the edge", () => {
    // Prepare
    const rows = [
      {
        label: "plugins",
        startedAt: T0,
        endedAt: T0 + 4_000,
        deadlineAt: T0 + 4_000,
        outcome: "timed-out",
        failed: true,
      },
      { label: "setup", startedAt: T0, endedAt: T0 + 1_000, deadlineAt: T0 + 60_000, outcome: "ok" },
    ];
    // Act
    const lines = renderTimelineChart(rows, {
      originMs: T0,
      endMs: T0 + 8_000,
      nowMs: T0 + 8_000,
      width: 20,
    });
    // Assess
    expect(barOf(lines[1])).toBe(`${"█".repeat(10)}|${" ".repeat(9)}`);
    expect(lines[1]).toContain("4.0s of 4s");
    expect(lines[1]).toContain("timed-out");
    expect(lines[2]).toMatch(/│█{3} {17}›/);
  });

  it("draws a phase still going up to now with the in-progress shade, and an unreached one empty", () => {
    // Prepare
    const rows = [
      { label: "runtime-plugins", startedAt: T0, deadlineAt: T0 + 30_000, outcome: "in progress" },
      { label: "agent-turn" },
    ];
    // Act
    const lines = renderTimelineChart(rows, {
      originMs: T0,
      endMs: T0 + 10_000,
      nowMs: T0 + 5_000,
      width: 20,
    });
    // Assess
    expect(barOf(lines[1])).toBe(`${"▒".repeat(10)}${" ".repeat(10)}`);
    expect(lines[2]).toContain("not reached");
    expect(barOf(lines[2]).trim()).toBe("");
  });

  it("gives even a very short phase one visible cell", () => {
    // Act
    const lines = renderTimelineChart([{ label: "finalize", startedAt: T0 + 9_990, endedAt: T0 + 10_000 }], {
      originMs: T0,
      endMs: T0 + 10_000,
      nowMs: T0 + 10_000,
      width: 20,
    });
    // Assess
    expect(barOf(lines[1])).toBe(`${" ".repeat(19)}█`);
  });

  it("labels the axis from 0s to the run's length", () => {
    // Act
    const [axis] = renderTimelineChart([{ label: "setup", startedAt: T0, endedAt: T0 + 1 }], {
      originMs: T0,
      endMs: T0 + 4_200,
      nowMs: T0,
      width: 20,
    });
    // Assess
    expect(axis?.trim()).toMatch(/^0s\s+4\.2s$/);
  });
});
