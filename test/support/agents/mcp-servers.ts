import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

/** A tool call the test MCP server received. */
export interface RecordedToolCall {
  readonly tool: string;
  readonly args: Record<string, unknown>;
}

export interface TestMcpHttpServer {
  /** The MCP endpoint: `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  readonly calls: RecordedToolCall[];
  /** Authorization headers of the requests it received. */
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** Describes the order the way both test MCP servers do (the stdio script mirrors it). */
export function describeOrder(orderId: string): string {
  return `Order ${orderId}: shipped on 2026-11-20, carrier ACME, 2 parcels`;
}

function buildServer(calls: RecordedToolCall[]): McpServer {
  const server = new McpServer({ name: "orders-test-server", version: "1.0.0" });
  server.registerTool(
    "lookup_order",
    {
      description: "Looks up an order by id and tells its shipping status.",
      inputSchema: { orderId: z.string() },
    },
    async ({ orderId }) => {
      calls.push({ tool: "lookup_order", args: { orderId } });
      return { content: [{ type: "text", text: describeOrder(orderId) }] };
    },
  );
  server.registerTool(
    "cancel_order",
    {
      description: "Cancels an order (always refuses in this test server).",
      inputSchema: { orderId: z.string() },
    },
    async ({ orderId }) => {
      calls.push({ tool: "cancel_order", args: { orderId } });
      return {
        isError: true,
        content: [{ type: "text", text: `Order ${orderId} has shipped and cannot be cancelled` }],
      };
    },
  );
  server.registerTool(
    "wait_forever",
    { description: "Never answers (to test per-call timeouts).", inputSchema: {} },
    async () => {
      calls.push({ tool: "wait_forever", args: {} });
      return new Promise(() => {});
    },
  );
  return server;
}

/**
 * A real MCP server (official SDK: McpServer + StreamableHTTPServerTransport, stateless) on a
 * node:http server on 127.0.0.1, exposing `lookup_order`, `cancel_order` and `wait_forever`. It
 * records every tool call it runs.
 */
export async function startMcpHttpServer(): Promise<TestMcpHttpServer> {
  const calls: RecordedToolCall[] = [];
  const authorizations: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  const httpServer: Server = createServer(async (request, response) => {
    authorizations.push(request.headers.authorization);
    const server = buildServer(calls);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
  });
  httpServer.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    authorizations,
    async close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** Path of the stdio MCP server script (plain .mjs, run with `process.execPath`). */
export const stdioMcpServerScript = fileURLToPath(
  new URL("./child-scripts/mcp-stdio-server.mjs", import.meta.url),
);

/** Path of a script that speaks no MCP at all: it reads stdin and never answers `initialize`. */
export const silentStdioServerScript = fileURLToPath(
  new URL("./child-scripts/silent-server.mjs", import.meta.url),
);
