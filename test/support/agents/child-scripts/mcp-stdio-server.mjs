// A real MCP server over stdio (official SDK), spawned by tests with `process.execPath`.
// argv[2]: a file where each tool call is appended as one JSON line, so the test can see that the
// call really ran in this process.
import { appendFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const callLog = process.argv[2];
const server = new McpServer({ name: "orders-stdio-test-server", version: "1.0.0" });
server.registerTool(
  "lookup_order",
  {
    description: "Looks up an order by id and tells its shipping status.",
    inputSchema: { orderId: z.string() },
  },
  async ({ orderId }) => {
    if (callLog) {
      appendFileSync(
        callLog,
        `${JSON.stringify({ tool: "lookup_order", args: { orderId }, pid: process.pid })}\n`,
      );
    }
    return {
      content: [{ type: "text", text: `Order ${orderId}: shipped on 2026-11-20, carrier ACME, 2 parcels` }],
    };
  },
);
server.registerTool(
  "server_secret",
  {
    description: "Tells which of ORDERS_API_TOKEN and LEAKY_RUNTIME_SECRET reached the server's environment.",
    inputSchema: {},
  },
  async () => ({
    content: [
      {
        type: "text",
        text: `token=${process.env.ORDERS_API_TOKEN ?? "<unset>"} leaky=${process.env.LEAKY_RUNTIME_SECRET ?? "<unset>"}`,
      },
    ],
  }),
);
await server.connect(new StdioServerTransport());
