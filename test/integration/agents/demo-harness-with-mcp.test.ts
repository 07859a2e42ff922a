import { afterEach, describe, expect, it } from "vitest";
import { demoHarness, demoOptionsSchema } from "#adapters/harnesses/demo.ts";
import { describeOrder } from "#test/support/agents/mcp-servers.ts";
import { startOrdersTools } from "#test/support/agents/orders-tools.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe("demo harness with an MCP plugin", () => {
  it("calls the plugin's tool on the real MCP server and puts the result in its output", async () => {
    // Prepare
    const { mcpServer, tools } = await startOrdersTools(cleanups);
    const options = demoOptionsSchema.parse({
      output: "{toolResults}",
      callTools: [{ tool: "orders__lookup_order", args: { orderId: "42" } }],
    });

    // Act
    const result = await demoHarness.run(turnInput(options, { tools }));

    // Assess
    expect(mcpServer.calls).toEqual([{ tool: "lookup_order", args: { orderId: "42" } }]);
    expect(result).toMatchObject({ output: `orders__lookup_order: ${describeOrder("42")}`, toolCalls: 1 });
  });
});
