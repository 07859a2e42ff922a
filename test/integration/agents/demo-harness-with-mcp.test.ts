import { afterEach, describe, expect, it } from "vitest";
import { demoHarness, demoOptionsSchema } from "#adapters/harnesses/demo.ts";
import { mcpOptionsSchema, mcpPluginType } from "#adapters/plugins/mcp.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import { silentLogger } from "#core/logger.ts";
import { describeOrder, startMcpHttpServer } from "#test/support/agents/mcp-servers.ts";
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
    const mcpServer = await startMcpHttpServer();
    cleanups.push(() => mcpServer.close());
    const plugin = await mcpPluginType.start({
      name: "orders",
      options: mcpOptionsSchema.parse({ transport: "streamable-http", url: mcpServer.url }),
      signal: new AbortController().signal,
      deadlineAt: Date.now() + 10_000,
      secrets: createSecretResolver({ env: {} }),
      log: silentLogger,
    });
    cleanups.push(() => plugin.close());
    const options = demoOptionsSchema.parse({
      output: "{toolResults}",
      callTools: [{ tool: "orders__lookup_order", args: { orderId: "42" } }],
    });

    // Act
    const result = await demoHarness.run(turnInput(options, { tools: plugin.tools }));

    // Assess
    expect(mcpServer.calls).toEqual([{ tool: "lookup_order", args: { orderId: "42" } }]);
    expect(result).toMatchObject({ output: `orders__lookup_order: ${describeOrder("42")}`, toolCalls: 1 });
  });
});
