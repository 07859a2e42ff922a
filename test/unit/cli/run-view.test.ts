import { describe, expect, it } from "vitest";
import type { PluginRecord, RunRecord } from "#core/runs/run-record.ts";
import { createStyle } from "../../../cli/output.ts";
import { progressKey, progressLine, renderInspection } from "../../../cli/render/run-view.ts";

const T0 = Date.UTC(2026, 10, 22, 4, 0, 0);
const style = createStyle(false);

const calendarPending: PluginRecord = {
  name: "calendar",
  type: "mcp",
  index: 2,
  required: false,
  state: "pending",
};
const searchTimedOut: PluginRecord = {
  name: "search",
  type: "mcp",
  index: 1,
  required: true,
  state: "timed-out",
  startedAt: T0 + 1_100,
  deadlineAt: T0 + 4_100,
  endedAt: T0 + 4_100,
  error: 'plugin "search" did not start within its 3s timeout',
};

/** A run that failed because its second plugin never answered within its 3 s timeout. */
const pluginFailure: RunRecord = {
  jobId: "inbox",
  runId: "01JZ0000000000000000000000",
  fireKey: "inbox#manual#x",
  source: "manual",
  scheduledAt: T0,
  createdAt: T0 - 1_000,
  status: "failed",
  attempt: 1,
  coalescedFires: 1,
  jobVersion: 3,
  startedAt: T0,
  endedAt: T0 + 4_200,
  phase: "finalize",
  phases: {
    setup: { startedAt: T0, deadlineAt: T0 + 10_000, endedAt: T0 + 100, outcome: "ok" },
    "runtime-plugins": {
      startedAt: T0 + 100,
      deadlineAt: T0 + 30_000,
      endedAt: T0 + 4_100,
      outcome: "failed",
    },
    finalize: { startedAt: T0 + 4_100, deadlineAt: T0 + 19_100, endedAt: T0 + 4_200, outcome: "ok" },
  },
  plugins: {
    orders: {
      name: "orders",
      type: "mcp",
      index: 0,
      required: true,
      state: "ready",
      startedAt: T0 + 100,
      deadlineAt: T0 + 20_100,
      endedAt: T0 + 1_100,
      toolCount: 3,
    },
    search: searchTimedOut,
    calendar: calendarPending,
  },
  error: {
    class: "PluginInitError",
    message: 'required plugin "search" did not start',
    phase: "runtime-plugins",
    plugin: "search",
  },
  diagnostic: "search hung in initialize",
};

describe("a run's inspection", () => {
  it("charts the phases with each plugin under runtime-plugins, and lists every plugin's outcome", () => {
    // Act
    const text = renderInspection(pluginFailure, {
      style,
      nowMs: T0 + 60_000,
      width: 42,
      next: { turnLogs: "logs" },
    }).join("\n");
    // Assess
    expect(text).toMatch(/runtime-plugins\s+│/);
    expect(text).toMatch(/ {4}search\s+│[ █]+\|/);
    expect(text).toMatch(/agent-turn\s+│\s+│\s+not reached/);
    expect(text).toMatch(/✓ orders\s+mcp\s+ready\s+1\.0s\s+20s\s+3 tools/);
    expect(text).toMatch(/✗ search\s+mcp\s+timed-out\s+3\.0s\s+3s\s+plugin "search" did not start/);
    expect(text).toMatch(/· calendar \(optional\)\s+mcp\s+never started/);
    expect(text).toContain("PluginInitError in runtime-plugins (plugin search)");
    expect(text).toContain("search hung in initialize");
    expect(text).toMatch(/Next: check plugin "search"/);
  });

  it("shows a plugin still starting as in flight while the run runs", () => {
    // Prepare
    const running: RunRecord = {
      ...pluginFailure,
      status: "running",
      phase: "runtime-plugins",
      endedAt: undefined,
      error: undefined,
      diagnostic: undefined,
      phases: {
        setup: pluginFailure.phases.setup,
        "runtime-plugins": { startedAt: T0 + 100, deadlineAt: T0 + 30_000 },
      },
      plugins: {
        ...pluginFailure.plugins,
        search: {
          name: "search",
          type: "mcp",
          index: 1,
          required: true,
          state: "starting",
          startedAt: T0 + 1_100,
          deadlineAt: T0 + 4_100,
        },
      },
    };
    // Act
    const text = renderInspection(running, {
      style,
      nowMs: T0 + 2_000,
      width: 40,
      next: { turnLogs: "logs" },
    }).join("\n");
    // Assess
    expect(text).toMatch(/search\s+mcp\s+starting \(in flight\)/);
    expect(text).toContain('Next: plugin "search" is starting');
  });
});

describe("run progress", () => {
  it("changes its key when the run moves on to another phase or a plugin's state changes", () => {
    const base = { ...pluginFailure, status: "running" as const, phase: "runtime-plugins" as const };
    const moved = { ...base, phase: "agent-turn" as const };
    const pluginChanged = {
      ...base,
      plugins: { ...base.plugins, calendar: { ...calendarPending, state: "starting" as const } },
    };
    expect(progressKey(moved)).not.toBe(progressKey(base));
    expect(progressKey(pluginChanged)).not.toBe(progressKey(base));
    expect(progressKey({ ...base })).toBe(progressKey(base));
  });

  it("describes the phase, its budget and the plugin starting", () => {
    const line = progressLine(
      {
        ...pluginFailure,
        status: "running",
        phase: "runtime-plugins",
        plugins: {
          ...pluginFailure.plugins,
          search: { ...searchTimedOut, state: "starting" },
        },
      },
      T0 + 2_000,
    );
    expect(line).toBe(
      "04:00:02  runtime-plugins (budget 29.9s), plugin search starting (timeout 3s), 1 ready",
    );
  });
});

describe("a run without plugins", () => {
  it("shows runtime-plugins as skipped rather than not reached", () => {
    const run: RunRecord = {
      ...pluginFailure,
      status: "succeeded",
      plugins: {},
      error: undefined,
      diagnostic: undefined,
      endedAt: T0 + 2_000,
      phases: {
        setup: { startedAt: T0, deadlineAt: T0 + 10_000, endedAt: T0 + 10, outcome: "ok" },
        "agent-turn": { startedAt: T0 + 10, deadlineAt: T0 + 60_000, endedAt: T0 + 1_990, outcome: "ok" },
        finalize: { startedAt: T0 + 1_990, deadlineAt: T0 + 16_990, endedAt: T0 + 2_000, outcome: "ok" },
      },
    };
    const text = renderInspection(run, {
      nowMs: T0 + 3_000,
      style,
      width: 40,
      next: { turnLogs: "logs" },
    }).join("\n");
    expect(text).toMatch(/runtime-plugins.*skipped \(no plugins\)/);
    expect(text).not.toContain("not reached");
  });
});
