import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openAiHarness, openAiOptionsSchema } from "#adapters/harnesses/openai.ts";
import { mcpOptionsSchema, mcpPluginType } from "#adapters/plugins/mcp.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import { HarnessFailedError } from "#core/agents/harness.ts";
import type { AgentTool } from "#core/agents/tool.ts";
import { silentLogger } from "#core/logger.ts";
import {
  type LoopbackReply,
  type RecordedRequest,
  startLoopbackServer,
} from "#test/support/agents/loopback-server.ts";
import { describeOrder, stdioMcpServerScript } from "#test/support/agents/mcp-servers.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function modelServer(reply: (request: RecordedRequest, index: number) => LoopbackReply) {
  const server = await startLoopbackServer(reply);
  cleanups.push(() => server.close());
  return server;
}

/** Starts the `mcp` plugin on the stdio test server; its tool calls are appended to `callLog`. */
async function stdioOrdersTools(): Promise<{ callLog: string; tools: readonly AgentTool[] }> {
  const directory = mkdtempSync(join(tmpdir(), "agentcron-openai-"));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const callLog = join(directory, "calls.jsonl");
  const plugin = await mcpPluginType.start({
    name: "orders",
    options: mcpOptionsSchema.parse({
      transport: "stdio",
      command: process.execPath,
      args: [stdioMcpServerScript, callLog],
    }),
    signal: new AbortController().signal,
    deadlineAt: Date.now() + 60_000, // a working server: the limit is for a busy machine only
    secrets: createSecretResolver({ env: {} }),
    log: silentLogger,
  });
  cleanups.push(() => plugin.close());
  return { callLog, tools: plugin.tools };
}

function completion(
  message: Record<string, unknown>,
  finishReason: string,
  usage = { prompt_tokens: 80, completion_tokens: 15 },
) {
  return {
    json: {
      id: "chatcmpl-test",
      object: "chat.completion",
      created: 1_790_000_000,
      model: "qwen3-coder-30b",
      choices: [
        { index: 0, message: { role: "assistant", content: null, ...message }, finish_reason: finishReason },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

const lookupOrder42Call = {
  id: "call_01",
  type: "function",
  function: { name: "orders__lookup_order", arguments: JSON.stringify({ orderId: "42" }) },
};

describe("openai harness", () => {
  it("runs an MCP tool over stdio through function calling and returns its result as a tool message", async () => {
    // Prepare
    const { callLog, tools } = await stdioOrdersTools();
    const model = await modelServer((_, index) =>
      index === 0
        ? completion({ tool_calls: [lookupOrder42Call] }, "tool_calls")
        : completion({ content: "Order 42 shipped on 2026-11-20." }, "stop", {
            prompt_tokens: 120,
            completion_tokens: 9,
          }),
    );
    const options = openAiOptionsSchema.parse({
      baseUrl: `${model.url}/v1`,
      apiKeyRef: "env:LOCAL_MODEL_KEY",
      system: "You track orders.",
      temperature: 0.1,
    });

    // Act
    const result = await openAiHarness.run(
      turnInput(options, { tools, env: { LOCAL_MODEL_KEY: "local-key" }, model: "qwen3-coder-30b" }),
    );

    // Assess: the tool ran in the stdio MCP server process...
    const calls = readFileSync(callLog, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(calls).toEqual([expect.objectContaining({ tool: "lookup_order", args: { orderId: "42" } })]);
    // ...the model was offered it and got its result in the second request...
    const [first, second] = model.requests;
    expect(first?.path).toBe("/v1/chat/completions");
    expect(first?.headers.authorization).toBe("Bearer local-key");
    expect(first?.body).toMatchObject({
      model: "qwen3-coder-30b",
      max_completion_tokens: 4096,
      temperature: 0.1,
      messages: [
        { role: "system", content: "You track orders." },
        { role: "user", content: "What is the status of order 42?" },
      ],
      tools: expect.arrayContaining([
        { type: "function", function: expect.objectContaining({ name: "orders__lookup_order" }) },
      ]),
    });
    expect(second?.body).toMatchObject({
      messages: [
        {},
        {},
        { role: "assistant", tool_calls: [{ id: "call_01" }] },
        { role: "tool", tool_call_id: "call_01", content: describeOrder("42") },
      ],
    });
    // ...and the result sums the loop
    expect(result).toEqual({
      output: "Order 42 shipped on 2026-11-20.",
      provider: "openai",
      model: "qwen3-coder-30b",
      usage: { inputTokens: 200, outputTokens: 24 },
      toolCalls: 1,
      stopReason: "completed",
    });
  });

  it("sends no Authorization header to a self-hosted server when no apiKeyRef is set", async () => {
    const model = await modelServer(() => completion({ content: "hi" }, "stop"));
    const options = openAiOptionsSchema.parse({ baseUrl: `${model.url}/v1`, maxTokensField: "max_tokens" });

    await openAiHarness.run(turnInput(options, { model: "llama-4" }));

    expect(model.requests[0]?.headers.authorization).toBeUndefined();
    expect(model.requests[0]?.body).toMatchObject({ max_tokens: 4096 });
  });

  it("tells the model when its tool arguments are not valid JSON", async () => {
    const { tools } = await stdioOrdersTools();
    const model = await modelServer((_, index) =>
      index === 0
        ? completion(
            {
              tool_calls: [
                {
                  ...lookupOrder42Call,
                  function: { name: "orders__lookup_order", arguments: "{orderId: 42" },
                },
              ],
            },
            "tool_calls",
          )
        : completion({ content: "Sorry." }, "stop"),
    );

    await openAiHarness.run(
      turnInput(openAiOptionsSchema.parse({ baseUrl: `${model.url}/v1` }), { tools, model: "m" }),
    );

    const secondRequest = model.requests[1]?.body as
      | { messages: { role: string; content: string }[] }
      | undefined;
    const toolMessage = secondRequest?.messages[2];
    expect(toolMessage?.role).toBe("tool");
    expect(toolMessage?.content).toMatch(
      /^Error: The arguments for orders__lookup_order could not be read: invalid JSON/,
    );
  });

  it("stops with max-tool-calls when the model keeps asking for tools", async () => {
    const { tools } = await stdioOrdersTools();
    const model = await modelServer(() => completion({ tool_calls: [lookupOrder42Call] }, "tool_calls"));
    const options = openAiOptionsSchema.parse({ baseUrl: `${model.url}/v1`, maxToolCalls: 2 });

    const result = await openAiHarness.run(turnInput(options, { tools, model: "m" }));

    expect(result).toMatchObject({ stopReason: "max-tool-calls", toolCalls: 2 });
    expect(model.requests).toHaveLength(3);
  });

  it("rides out five refusals in a row (429 rate limit, 503) and finishes the turn", async () => {
    // Prepare: the server refuses five times, asking for a 5 ms pause, then answers
    const model = await modelServer((_, index) =>
      index < 5
        ? {
            status: index % 2 === 0 ? 429 : 503,
            headers: { "retry-after-ms": "5" },
            json: { error: { message: "Rate limit reached", type: "rate_limit_error" } },
          }
        : completion({ content: "done" }, "stop"),
    );

    // Act
    const result = await openAiHarness.run(
      turnInput(openAiOptionsSchema.parse({ baseUrl: `${model.url}/v1` }), { model: "m" }),
    );

    // Assess
    expect(result).toMatchObject({ stopReason: "completed" });
    expect(model.requests).toHaveLength(6);
  });

  it("refuses to run without a model", async () => {
    const outcome = openAiHarness.run(
      turnInput(openAiOptionsSchema.parse({ baseUrl: "http://127.0.0.1:9/v1" })),
    );

    await expect(outcome).rejects.toThrow(HarnessFailedError);
    await expect(outcome).rejects.toThrow(/agent\.model/);
  });
});
