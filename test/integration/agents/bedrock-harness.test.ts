import { afterEach, describe, expect, it } from "vitest";
import { bedrockOptionsSchema, createBedrockHarness } from "#adapters/harnesses/bedrock.ts";
import { HarnessAbortedError } from "#core/agents/harness.ts";
import {
  type LoopbackReply,
  type RecordedRequest,
  startLoopbackServer,
} from "#test/support/agents/loopback-server.ts";
import { describeOrder } from "#test/support/agents/mcp-servers.ts";
import { startOrdersTools } from "#test/support/agents/orders-tools.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";
import { PROMPTLY_MS } from "#test/support/wait.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

const harness = createBedrockHarness({
  credentials: async () => ({ accessKeyId: "AKIDAGENTCRONTEST", secretAccessKey: "test-secret" }),
});
const modelId = "us.anthropic.claude-test-v1:0";

async function converseServer(reply: (request: RecordedRequest, index: number) => LoopbackReply) {
  // The SDK's Bedrock runtime client speaks HTTP/2 only.
  const server = await startLoopbackServer(reply, { protocol: "h2c" });
  cleanups.push(() => server.close());
  return server;
}

function converseReply(
  content: unknown[],
  stopReason: string,
  usage = { inputTokens: 60, outputTokens: 10 },
) {
  return {
    json: {
      output: { message: { role: "assistant", content } },
      stopReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 12 },
    },
  };
}

describe("bedrock harness", () => {
  it("runs an MCP tool through the Converse tool loop, signing requests with the AWS credentials", async () => {
    // Prepare
    const { mcpServer, tools } = await startOrdersTools(cleanups);
    const bedrock = await converseServer((_, index) =>
      index === 0
        ? converseReply(
            [
              { text: "Checking." },
              {
                toolUse: { toolUseId: "tooluse_01", name: "orders__lookup_order", input: { orderId: "42" } },
              },
            ],
            "tool_use",
          )
        : converseReply([{ text: "Order 42 shipped on 2026-11-20." }], "end_turn", {
            inputTokens: 90,
            outputTokens: 11,
          }),
    );
    const options = bedrockOptionsSchema.parse({
      region: "us-east-1",
      endpoint: bedrock.url,
      system: "You track orders.",
    });

    // Act
    const result = await harness.run(turnInput(options, { tools, model: modelId }));

    // Assess
    expect(mcpServer.calls).toEqual([{ tool: "lookup_order", args: { orderId: "42" } }]);
    const [first, second] = bedrock.requests;
    expect(first?.path).toBe(`/model/${encodeURIComponent(modelId)}/converse`);
    expect(first?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDAGENTCRONTEST\/\d{8}\/us-east-1\/bedrock\//,
    );
    expect(first?.body).toMatchObject({
      system: [{ text: "You track orders." }],
      inferenceConfig: { maxTokens: 4096 },
      messages: [{ role: "user", content: [{ text: "What is the status of order 42?" }] }],
      toolConfig: {
        tools: expect.arrayContaining([
          { toolSpec: expect.objectContaining({ name: "orders__lookup_order" }) },
        ]),
      },
    });
    expect(second?.body).toMatchObject({
      messages: [
        {},
        { role: "assistant" },
        {
          role: "user",
          content: [
            {
              toolResult: {
                toolUseId: "tooluse_01",
                content: [{ text: describeOrder("42") }],
                status: "success",
              },
            },
          ],
        },
      ],
    });
    expect(result).toEqual({
      output: "Order 42 shipped on 2026-11-20.",
      provider: "bedrock",
      model: modelId,
      usage: { inputTokens: 150, outputTokens: 21 },
      toolCalls: 1,
      stopReason: "completed",
    });
  });

  it("stops with max-tool-calls when the model keeps asking for tools", async () => {
    const { tools } = await startOrdersTools(cleanups);
    const bedrock = await converseServer(() =>
      converseReply(
        [{ toolUse: { toolUseId: "t", name: "orders__lookup_order", input: { orderId: "1" } } }],
        "tool_use",
      ),
    );
    const options = bedrockOptionsSchema.parse({
      region: "us-east-1",
      endpoint: bedrock.url,
      maxToolCalls: 2,
    });

    const result = await harness.run(turnInput(options, { tools, model: modelId }));

    expect(result).toMatchObject({ stopReason: "max-tool-calls", toolCalls: 2 });
  });

  it("rides out five throttled or unavailable answers in a row and finishes the turn", async () => {
    // Prepare: Bedrock throttles three times and is unavailable twice, then answers
    const bedrock = await converseServer((_, index) =>
      index < 5
        ? {
            status: index < 3 ? 429 : 503,
            headers: {
              "x-amzn-errortype": index < 3 ? "ThrottlingException" : "ServiceUnavailableException",
            },
            json: { message: "Too many requests, please wait before trying again." },
          }
        : converseReply([{ text: "done" }], "end_turn"),
    );
    const options = bedrockOptionsSchema.parse({ region: "us-east-1", endpoint: bedrock.url });

    // Act
    const result = await harness.run(turnInput(options, { model: modelId }));

    // Assess
    expect(result).toMatchObject({ stopReason: "completed" });
    expect(bedrock.requests).toHaveLength(6);
  });

  it("stops a request in flight when the turn is aborted", async () => {
    // The turn is stopped once the request is at the server, which never answers it.
    const controller = new AbortController();
    const bedrock = await converseServer(() => {
      controller.abort(new Error("replace requested by a newer fire"));
      return "hang";
    });
    const options = bedrockOptionsSchema.parse({ region: "us-east-1", endpoint: bedrock.url });
    const startedAt = Date.now();

    const outcome = await harness
      .run(turnInput(options, { model: modelId, signal: controller.signal }))
      .catch((error) => error);

    expect(outcome).toBeInstanceOf(HarnessAbortedError);
    expect((outcome as Error).message).toContain("replace requested by a newer fire");
    expect(Date.now() - startedAt).toBeLessThan(PROMPTLY_MS); // not the turn's deadline, a minute out
    expect(bedrock.requests).toHaveLength(1);
  });
});
