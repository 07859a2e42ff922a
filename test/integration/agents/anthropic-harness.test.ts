import { afterEach, describe, expect, it } from "vitest";
import { anthropicHarness, anthropicOptionsSchema } from "#adapters/harnesses/anthropic.ts";
import { HarnessAbortedError, HarnessFailedError } from "#core/agents/harness.ts";
import {
  type LoopbackReply,
  type RecordedRequest,
  startLoopbackServer,
} from "#test/support/agents/loopback-server.ts";
import { describeOrder } from "#test/support/agents/mcp-servers.ts";
import { startOrdersTools } from "#test/support/agents/orders-tools.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";
import { PROMPTLY_MS, waitUntil } from "#test/support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

const env = { ANTHROPIC_API_KEY: "sk-ant-test-key" };

async function anthropicServer(reply: (request: RecordedRequest, index: number) => LoopbackReply) {
  const server = await startLoopbackServer(reply);
  cleanups.push(() => server.close());
  return server;
}

function message(content: unknown[], stopReason: string, usage = { input_tokens: 100, output_tokens: 20 }) {
  return {
    json: {
      id: "msg_test",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-5-5-20261101",
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    },
  };
}

const lookupOrder42 = {
  type: "tool_use",
  id: "toolu_01",
  name: "orders__lookup_order",
  input: { orderId: "42" },
};

describe("anthropic harness", () => {
  it("runs an MCP tool the model asks for and hands its result back to the model", async () => {
    // Prepare
    const { mcpServer, tools } = await startOrdersTools(cleanups);
    const model = await anthropicServer((_, index) =>
      index === 0
        ? message([{ type: "text", text: "Let me look that up." }, lookupOrder42], "tool_use")
        : message([{ type: "text", text: "Order 42 shipped on 2026-11-20." }], "end_turn", {
            input_tokens: 150,
            output_tokens: 12,
          }),
    );
    const options = anthropicOptionsSchema.parse({ baseUrl: model.url, system: "You track orders." });

    // Act
    const result = await anthropicHarness.run(turnInput(options, { tools, env, model: "claude-sonnet-5-5" }));

    // Assess: the tool ran on the MCP server...
    expect(mcpServer.calls).toEqual([{ tool: "lookup_order", args: { orderId: "42" } }]);
    // ...the model was offered it and got its result in the second request...
    const [first, second] = model.requests;
    expect(first?.path).toBe("/v1/messages");
    expect(first?.headers.authorization).toBe("Bearer sk-ant-test-key");
    expect(first?.body).toMatchObject({
      model: "claude-sonnet-5-5",
      system: "You track orders.",
      max_tokens: 4096,
      tools: expect.arrayContaining([expect.objectContaining({ name: "orders__lookup_order" })]),
      messages: [{ role: "user", content: "What is the status of order 42?" }],
    });
    expect(second?.body).toMatchObject({
      messages: [
        { role: "user" },
        { role: "assistant", content: [{ type: "text" }, { type: "tool_use", id: "toolu_01" }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_01", content: describeOrder("42"), is_error: false },
          ],
        },
      ],
    });
    // ...and the result sums the loop
    expect(result).toEqual({
      output: "Order 42 shipped on 2026-11-20.",
      provider: "anthropic",
      model: "claude-sonnet-5-5-20261101",
      usage: { inputTokens: 250, outputTokens: 32 },
      toolCalls: 1,
      stopReason: "completed",
    });
  });

  it("marks a tool's error as is_error in the tool_result", async () => {
    const { tools } = await startOrdersTools(cleanups);
    const model = await anthropicServer((_, index) =>
      index === 0
        ? message([{ ...lookupOrder42, name: "orders__cancel_order" }], "tool_use")
        : message([{ type: "text", text: "It cannot be cancelled." }], "end_turn"),
    );

    await anthropicHarness.run(
      turnInput(anthropicOptionsSchema.parse({ baseUrl: model.url }), { tools, env }),
    );

    expect(model.requests[1]?.body).toMatchObject({
      messages: [{}, {}, { content: [{ type: "tool_result", is_error: true }] }],
    });
  });

  it("stops with max-tool-calls when the model keeps asking for tools", async () => {
    // Prepare
    const { mcpServer, tools } = await startOrdersTools(cleanups);
    const model = await anthropicServer(() => message([lookupOrder42], "tool_use"));
    const options = anthropicOptionsSchema.parse({ baseUrl: model.url, maxToolCalls: 3 });

    // Act
    const result = await anthropicHarness.run(turnInput(options, { tools, env }));

    // Assess
    expect(result.stopReason).toBe("max-tool-calls");
    expect(result.toolCalls).toBe(3);
    expect(mcpServer.calls).toHaveLength(3);
    expect(model.requests).toHaveLength(4);
  });

  it("stops a request in flight when the turn is aborted, and closes the connection", async () => {
    // Prepare
    // The turn is stopped once the request is at the server, which never answers it.
    const controller = new AbortController();
    const model = await anthropicServer(() => {
      controller.abort(new Error("maxRunSeconds ceiling reached"));
      return "hang";
    });
    const startedAt = Date.now();

    // Act
    const outcome = await anthropicHarness
      .run(
        turnInput(anthropicOptionsSchema.parse({ baseUrl: model.url }), { env, signal: controller.signal }),
      )
      .catch((error) => error);

    // Assess
    expect(outcome).toBeInstanceOf(HarnessAbortedError);
    expect((outcome as Error).message).toContain("maxRunSeconds ceiling reached");
    expect(Date.now() - startedAt).toBeLessThan(PROMPTLY_MS); // not the turn's deadline, a minute out
    await waitUntil(
      () => model.openConnectionsWithRequests() === 0,
      PROMPTLY_MS,
      "the request's connection to close",
    );
  });

  it("rides out five refusals in a row (429 rate limit, 529 overloaded) and finishes the turn", async () => {
    // Prepare: the API refuses five times, asking for a 5 ms pause, then answers
    const model = await anthropicServer((_, index) =>
      index < 5
        ? {
            status: index % 2 === 0 ? 429 : 529,
            headers: { "retry-after-ms": "5" },
            json: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
          }
        : message([{ type: "text", text: "done" }], "end_turn"),
    );

    // Act
    const result = await anthropicHarness.run(
      turnInput(anthropicOptionsSchema.parse({ baseUrl: model.url }), { env }),
    );

    // Assess
    expect(result).toMatchObject({ stopReason: "completed" });
    expect(model.requests).toHaveLength(6);
  });

  it("fails with the HTTP status when the API refuses the request", async () => {
    const model = await anthropicServer(() => ({
      status: 401,
      json: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } },
    }));

    const outcome = anthropicHarness.run(
      turnInput(anthropicOptionsSchema.parse({ baseUrl: model.url }), { env }),
    );

    await expect(outcome).rejects.toThrow(HarnessFailedError);
    await expect(outcome).rejects.toThrow(/answered HTTP 401/);
  });
});
