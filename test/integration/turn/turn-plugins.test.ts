import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getRun } from "#adapters/dynamodb/reads.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import { runTurn } from "#core/turn/run-turn.ts";
import {
  type LoopbackReply,
  type RecordedRequest,
  startLoopbackServer,
} from "#test/support/agents/loopback-server.ts";
import { describeOrder, startMcpHttpServer } from "#test/support/agents/mcp-servers.ts";
import { demoJob } from "#test/support/fixtures.ts";
import { createTestEnvironment, type TestEnvironment } from "#test/support/test-environment.ts";
import { fireAndHandOff, fireAndRunTurn, turnDepsOf } from "#test/support/turn-fixtures.ts";
import { waitUntil } from "#test/support/wait.ts";

let env: TestEnvironment;
beforeAll(async () => {
  env = await createTestEnvironment({ clock: "real" });
});
afterAll(async () => env.destroy());
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(reply: (request: RecordedRequest, index: number) => LoopbackReply) {
  const started = await startLoopbackServer(reply);
  cleanups.push(() => started.close());
  return started;
}

async function ordersMcp() {
  const mcp = await startMcpHttpServer();
  cleanups.push(() => mcp.close());
  return mcp;
}

/** An MCP endpoint that accepts `initialize` and never answers it. */
async function silentMcp() {
  return server(() => "hang");
}

describe("a turn with plugins", () => {
  it("names the hanging plugin as in flight while an MCP server never answers initialize, then fails naming it", async () => {
    // Prepare
    const silent = await silentMcp();
    const orders = await ordersMcp();
    const message = await fireAndHandOff(
      env,
      demoJob({
        id: "hanging-plugin",
        plugins: [
          {
            name: "orders",
            type: "mcp",
            options: { transport: "streamable-http", url: orders.url },
            timeoutSeconds: 30, // a working server: the limit is for a busy machine only
          },
          {
            name: "search",
            type: "mcp",
            options: { transport: "streamable-http", url: silent.url },
            timeoutSeconds: 20,
          },
          {
            name: "calendar",
            type: "mcp",
            options: { transport: "streamable-http", url: orders.url },
            timeoutSeconds: 30, // a working server: the limit is for a busy machine only
          },
        ],
      }),
    );
    // Act (the search plugin's 20 s bound leaves the in-flight record readable long enough on a busy
    // machine, where a 2 s one was missed between two polls)
    const turn = runTurn(message, turnDepsOf(env));
    await waitUntil(
      async () =>
        (await getRun(env.store.table, message.jobId, message.runId))?.plugins.search?.state === "starting",
      60_000, // the orders plugin starts first; seconds on a busy machine
      "the search plugin to be in flight",
    );
    const inFlight = await getRun(env.store.table, message.jobId, message.runId);
    const outcome = await turn;
    // Assess: mid-flight, the record already said which plugin hung and with what deadline.
    expect(inFlight?.phase).toBe("runtime-plugins");
    expect(inFlight?.plugins.orders).toMatchObject({ state: "ready", toolCount: 3 });
    expect(inFlight?.plugins.search).toMatchObject({ state: "starting" });
    expect((inFlight?.plugins.search?.deadlineAt ?? 0) - (inFlight?.plugins.search?.startedAt ?? 0)).toBe(
      20_000,
    );
    expect(inFlight?.plugins.calendar?.state).toBe("pending");
    expect(outcome).toMatchObject({
      kind: "ended",
      status: "failed",
      error: { class: "PluginInitError", plugin: "search" },
    });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.plugins.search?.state).toBe("timed-out");
    expect(run?.error?.message).toContain('required plugin "search" did not start');
    expect(run?.error?.message).toContain("Finished: orders (ready)");
    expect(run?.error?.message).toContain("never started: calendar");
  }, 180_000);

  it("leaves out an optional plugin that never answers, and runs the turn with the others' tools", async () => {
    // Prepare
    const silent = await silentMcp();
    const orders = await ordersMcp();
    // Act
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "optional-plugin",
        plugins: [
          {
            name: "search",
            type: "mcp",
            options: { transport: "streamable-http", url: silent.url },
            timeoutSeconds: 1,
            required: false,
          },
          {
            name: "orders",
            type: "mcp",
            options: { transport: "streamable-http", url: orders.url },
            timeoutSeconds: 30, // a working server: the limit is for a busy machine only
          },
        ],
        agent: {
          harness: "demo",
          prompt: "Where is order 42?",
          options: {
            output: "{toolResults}",
            callTools: [{ tool: "orders__lookup_order", args: { orderId: "42" } }],
          },
        },
      }),
    );
    // Assess
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run?.plugins.search).toMatchObject({ state: "timed-out", required: false });
    expect(run?.plugins.orders).toMatchObject({ state: "ready" });
    expect(run?.output?.summary).toContain(describeOrder("42"));
    expect(orders.calls).toEqual([{ tool: "lookup_order", args: { orderId: "42" } }]);
  });

  it("lets the anthropic harness call a real MCP server's tool during a turn, against a loopback Messages API", async () => {
    // Prepare
    const orders = await ordersMcp();
    const model = await server((_, index) => ({
      json: {
        id: `msg_${index}`,
        type: "message",
        role: "assistant",
        model: "claude-test",
        content:
          index === 0
            ? [{ type: "tool_use", id: "toolu_01", name: "orders__lookup_order", input: { orderId: "42" } }]
            : [{ type: "text", text: "Order 42 is on its way." }],
        stop_reason: index === 0 ? "tool_use" : "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 50, output_tokens: 10 },
      },
    }));
    // Act
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "anthropic-turn",
        plugins: [
          { name: "orders", type: "mcp", options: { transport: "streamable-http", url: orders.url } },
        ],
        agent: {
          harness: "anthropic",
          model: "claude-test",
          prompt: "Where is order 42?",
          options: { baseUrl: model.url },
        },
      }),
      { secrets: createSecretResolver({ env: { ANTHROPIC_API_KEY: "sk-ant-test" } }) },
    );
    // Assess
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    expect(orders.calls).toEqual([{ tool: "lookup_order", args: { orderId: "42" } }]);
    expect(JSON.stringify(model.requests[1]?.body)).toContain(describeOrder("42"));
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run).toMatchObject({
      provider: "anthropic",
      model: "claude-test",
      toolCalls: 1,
      usage: { inputTokens: 100, outputTokens: 20 },
      output: { summary: "Order 42 is on its way." },
    });
  });

  it("lets the openai harness call a real MCP server's tool during a turn, against a loopback chat-completions server", async () => {
    // Prepare
    const orders = await ordersMcp();
    const model = await server((_, index) => ({
      json: {
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        created: 1_790_000_000,
        model: "local-model",
        choices: [
          {
            index: 0,
            message:
              index === 0
                ? {
                    role: "assistant",
                    content: null,
                    tool_calls: [
                      {
                        id: "call_1",
                        type: "function",
                        function: { name: "orders__lookup_order", arguments: '{"orderId":"7"}' },
                      },
                    ],
                  }
                : { role: "assistant", content: "Order 7 is delayed." },
            finish_reason: index === 0 ? "tool_calls" : "stop",
          },
        ],
        usage: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 },
      },
    }));
    // Act
    const { message, outcome } = await fireAndRunTurn(
      env,
      demoJob({
        id: "openai-turn",
        plugins: [
          { name: "orders", type: "mcp", options: { transport: "streamable-http", url: orders.url } },
        ],
        agent: {
          harness: "openai",
          model: "local-model",
          prompt: "Where is order 7?",
          options: { baseUrl: `${model.url}/v1` },
        },
      }),
    );
    // Assess
    expect(outcome).toMatchObject({ kind: "ended", status: "succeeded" });
    expect(orders.calls).toEqual([{ tool: "lookup_order", args: { orderId: "7" } }]);
    expect(JSON.stringify(model.requests[1]?.body)).toContain(describeOrder("7"));
    const run = await getRun(env.store.table, message.jobId, message.runId);
    expect(run).toMatchObject({
      provider: "openai",
      toolCalls: 1,
      output: { summary: "Order 7 is delayed." },
    });
  });
});
