import { describe, expect, it } from "vitest";
import type { RunRecord } from "#core/runs/run-record.ts";
import { nextAction } from "../../../cli/render/next-action.ts";

const T0 = Date.UTC(2026, 10, 22, 4, 0, 0);

function run(overrides: Partial<RunRecord>): RunRecord {
  return {
    jobId: "inbox",
    runId: "01JZ0000000000000000000000",
    fireKey: "inbox#2026-11-22T04:00:00Z",
    source: "schedule",
    scheduledAt: T0,
    createdAt: T0,
    status: "failed",
    attempt: 1,
    coalescedFires: 1,
    jobVersion: 1,
    phases: {},
    plugins: {},
    ...overrides,
  };
}

const context = {
  turnLogs: "/tmp/agentcron.log",
  jobSpec: {
    id: "inbox",
    agent: { harness: "ghost", prompt: "x" },
    plugins: [
      {
        name: "orders",
        type: "mcp",
        options: { transport: "streamable-http", url: "http://orders.internal/mcp" },
      },
      { name: "search", type: "mcp", options: { transport: "stdio", command: "npx", args: ["search-mcp"] } },
    ],
  },
};

describe("the next thing to check", () => {
  it("points a plugin that did not start at that plugin's server, and the knobs that bound it", () => {
    const text = nextAction(
      run({ error: { class: "PluginInitError", message: "…", phase: "runtime-plugins", plugin: "search" } }),
      context,
    );
    expect(text).toContain('check plugin "search"');
    expect(text).toContain('stdio server "npx search-mcp"');
    expect(text).toContain("plugins[1].timeoutSeconds");
    expect(text).toContain("plugins[1].required");
  });

  it("points a run stalled with a plugin in flight at that plugin", () => {
    const text = nextAction(
      run({
        status: "stalled",
        phase: "runtime-plugins",
        error: { class: "RunStalledError", message: "…", phase: "runtime-plugins", plugin: "orders" },
      }),
      context,
    );
    expect(text).toContain("http://orders.internal/mcp");
  });

  it("sends an unregistered harness to the job definition or the build, naming the harness", () => {
    const text = nextAction(
      run({ error: { class: "HarnessNotRegisteredError", message: "…", phase: "setup" } }),
      context,
    );
    expect(text).toContain('harness "ghost"');
    expect(text).toMatch(/fix the job's agent\.harness/);
    expect(text).toMatch(/deploy a build that registers/);
  });

  it("sends an abandoned run to its turn logs around its last heartbeat, and the turns DLQ", () => {
    const text = nextAction(
      run({
        status: "abandoned",
        lastHeartbeatAt: T0 + 5_000,
        error: { class: "RunAbandonedError", message: "…" },
      }),
      context,
    );
    expect(text).toContain("/tmp/agentcron.log");
    expect(text).toContain("2026-11-22T04:00:05Z");
    expect(text).toContain("dlq list turns");
  });

  it("tells a timed-out run which budget to raise, or to shorten the prompt", () => {
    const phase = nextAction(
      run({ status: "timed-out", error: { class: "PhaseTimeoutError", message: "…", phase: "agent-turn" } }),
      context,
    );
    const ceiling = nextAction(
      run({ status: "timed-out", error: { class: "RunCeilingError", message: "…" } }),
      context,
    );
    expect(phase).toContain("timeouts.agentTurnSeconds");
    expect(phase).toContain("shorten the prompt");
    expect(ceiling).toContain("maxRunSeconds");
  });

  it("explains a cancelled run by the replace policy, or by a shutdown", () => {
    const replaced = nextAction(
      run({ status: "cancelled", error: { class: "StopRequestedError", message: "…" } }),
      context,
    );
    const shutdown = nextAction(
      run({ status: "cancelled", error: { class: "RuntimeShutdownError", message: "…" } }),
      context,
    );
    expect(replaced).toContain('"replace"');
    expect(replaced).toContain('"buffer-one"');
    expect(shutdown).toContain("shut down");
  });

  it("has nothing to say about a success, and follows a running run's in-flight plugin", () => {
    expect(nextAction(run({ status: "succeeded" }), context)).toMatch(/^nothing/);
    const running = nextAction(
      run({
        status: "running",
        phase: "runtime-plugins",
        plugins: {
          orders: {
            name: "orders",
            type: "mcp",
            index: 0,
            required: true,
            state: "starting",
            startedAt: T0,
            deadlineAt: T0 + 20_000,
          },
        },
      }),
      context,
    );
    expect(running).toContain('plugin "orders" is starting');
    expect(running).toContain("http://orders.internal/mcp");
  });
});
