import { mcpOptionsSchema, mcpPluginType } from "#adapters/plugins/mcp.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import type { AgentTool } from "#core/agents/tool.ts";
import { silentLogger } from "#core/logger.ts";
import { startMcpHttpServer, type TestMcpHttpServer } from "./mcp-servers.ts";

/**
 * The real MCP test server and the `mcp` plugin started on it as "orders" — its tools are
 * `orders__lookup_order` and friends. Both are closed by the `cleanups` the caller runs.
 */
export async function startOrdersTools(
  cleanups: (() => Promise<void>)[],
): Promise<{ mcpServer: TestMcpHttpServer; tools: readonly AgentTool[] }> {
  const mcpServer = await startMcpHttpServer();
  cleanups.push(() => mcpServer.close());
  const plugin = await mcpPluginType.start({
    name: "orders",
    options: mcpOptionsSchema.parse({ transport: "streamable-http", url: mcpServer.url }),
    signal: new AbortController().signal,
    deadlineAt: Date.now() + 60_000, // a working server: the limit is for a busy machine only
    secrets: createSecretResolver({ env: {} }),
    log: silentLogger,
  });
  cleanups.push(() => plugin.close());
  return { mcpServer, tools: plugin.tools };
}
