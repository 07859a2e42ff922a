import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type McpOptions,
  McpPluginStartError,
  mcpOptionsSchema,
  mcpPluginType,
} from "#adapters/plugins/mcp.ts";
import { createSecretResolver } from "#adapters/secrets/secret-resolver.ts";
import type { PluginStartInput, StartedPlugin } from "#core/agents/plugin.ts";
import { silentLogger } from "#core/logger.ts";
import { type LoopbackServer, startLoopbackServer } from "#test/support/agents/loopback-server.ts";
import {
  describeOrder,
  silentStdioServerScript,
  startMcpHttpServer,
  stdioMcpServerScript,
  type TestMcpHttpServer,
} from "#test/support/agents/mcp-servers.ts";
import { isProcessRunning } from "#test/support/agents/processes.ts";
import { PROMPTLY_MS, waitUntil } from "#test/support/wait.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

function startInput(
  options: unknown,
  overrides: Partial<PluginStartInput<McpOptions>> & { env?: Record<string, string> } = {},
): PluginStartInput<McpOptions> {
  const { env = {}, ...rest } = overrides;
  return {
    name: "orders",
    options: mcpOptionsSchema.parse(options),
    signal: new AbortController().signal,
    deadlineAt: Date.now() + 30_000,
    secrets: createSecretResolver({ env }),
    log: silentLogger,
    ...rest,
  };
}

async function started(input: PluginStartInput<McpOptions>): Promise<StartedPlugin> {
  const plugin = await mcpPluginType.start(input);
  cleanups.push(() => plugin.close());
  return plugin;
}

async function mcpHttpServer(): Promise<TestMcpHttpServer> {
  const server = await startMcpHttpServer();
  cleanups.push(() => server.close());
  return server;
}

describe("mcp plugin over Streamable HTTP", () => {
  it("offers the server's tools as <plugin>__<tool> and runs them on the server", async () => {
    // Prepare
    const server = await mcpHttpServer();
    const plugin = await started(startInput({ transport: "streamable-http", url: server.url }));
    const lookup = plugin.tools.find((tool) => tool.name === "orders__lookup_order");

    // Act
    const result = await lookup?.call({ orderId: "42" }, new AbortController().signal);

    // Assess
    expect(plugin.tools.map((tool) => tool.name).sort()).toEqual([
      "orders__cancel_order",
      "orders__lookup_order",
      "orders__wait_forever",
    ]);
    expect(lookup?.inputSchema).toMatchObject({
      type: "object",
      properties: { orderId: { type: "string" } },
    });
    expect(result).toEqual({ content: describeOrder("42"), isError: false });
    expect(server.calls).toEqual([{ tool: "lookup_order", args: { orderId: "42" } }]);
  });

  it("sends the bearer token from authTokenRef", async () => {
    const server = await mcpHttpServer();

    await started(
      startInput(
        { transport: "streamable-http", url: server.url, authTokenRef: "env:ORDERS_MCP_TOKEN" },
        { env: { ORDERS_MCP_TOKEN: "mcp-token-1" } },
      ),
    );

    expect(server.authorizations[0]).toBe("Bearer mcp-token-1");
  });

  it("offers only the allow-listed tools", async () => {
    const server = await mcpHttpServer();

    const plugin = await started(
      startInput({ transport: "streamable-http", url: server.url, tools: ["lookup_order"] }),
    );

    expect(plugin.tools.map((tool) => tool.name)).toEqual(["orders__lookup_order"]);
  });

  it("returns a tool's error as an is_error result", async () => {
    const server = await mcpHttpServer();
    const plugin = await started(startInput({ transport: "streamable-http", url: server.url }));

    const result = await plugin.tools
      .find((tool) => tool.name === "orders__cancel_order")
      ?.call({ orderId: "42" }, new AbortController().signal);

    expect(result).toEqual({ isError: true, content: "Order 42 has shipped and cannot be cancelled" });
  });

  it("bounds a tool call by toolCallTimeoutSeconds", async () => {
    // Prepare
    const server = await mcpHttpServer();
    const plugin = await started(
      startInput({ transport: "streamable-http", url: server.url, toolCallTimeoutSeconds: 0.2 }),
    );
    const startedAt = Date.now();

    // Act
    const result = await plugin.tools
      .find((tool) => tool.name === "orders__wait_forever")
      ?.call({}, new AbortController().signal);

    // Assess
    expect(result?.isError).toBe(true);
    expect(result?.content).toMatch(/timed out/i);
    expect(Date.now() - startedAt).toBeLessThan(PROMPTLY_MS); // the tool itself never answers
  });

  it("rejects at the plugin timeout when the server never answers initialize, and closes the connection", async () => {
    // Prepare: accepts the POST and never responds
    const server: LoopbackServer = await startLoopbackServer(() => "hang");
    cleanups.push(() => server.close());
    // The clock is read before the timer is armed: a timer counts from the event loop's cached
    // time, so reading it after could make a punctual abort look early.
    const timeoutMs = 1000;
    const startedAt = Date.now();
    const signal = AbortSignal.timeout(timeoutMs);

    // Act
    const outcome = await mcpPluginType
      .start(startInput({ transport: "streamable-http", url: `${server.url}/mcp` }, { signal }))
      .catch((error) => error);
    const elapsedMs = Date.now() - startedAt;

    // Assess
    expect(outcome).toBeInstanceOf(McpPluginStartError);
    expect(outcome).toMatchObject({ pluginName: "orders", step: "initialize" });
    expect((outcome as Error).message).toContain(`server at ${server.url}/mcp`);
    expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 50); // it waited for the timeout
    expect(elapsedMs).toBeLessThan(PROMPTLY_MS); // the server never answers
    expect(server.requests[0]?.body).toMatchObject({ method: "initialize" });
    await waitUntil(
      () => server.openConnectionsWithRequests() === 0,
      PROMPTLY_MS,
      "the client to close its connection",
    );
  });
});

describe("mcp plugin over stdio", () => {
  it("starts the server as a child process, runs its tools and ends the process on close", async () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), "agentcron-mcp-"));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const callLog = join(directory, "calls.jsonl");
    const plugin = await mcpPluginType.start(
      startInput({ transport: "stdio", command: process.execPath, args: [stdioMcpServerScript, callLog] }),
    );

    // Act
    const result = await plugin.tools
      .find((tool) => tool.name === "orders__lookup_order")
      ?.call({ orderId: "7" }, new AbortController().signal);
    const call = JSON.parse(readFileSync(callLog, "utf8").trim()) as { args: unknown; pid: number };
    await plugin.close();

    // Assess
    expect(result).toEqual({ content: describeOrder("7"), isError: false });
    expect(call.args).toEqual({ orderId: "7" });
    await waitUntil(
      () => !isProcessRunning(call.pid),
      PROMPTLY_MS,
      `the server (pid ${call.pid}) to be gone`,
    );
  });

  it("passes envFromSecrets to the server and no other runtime variable", async () => {
    // Prepare
    process.env.LEAKY_RUNTIME_SECRET = "must-not-leak";
    cleanups.push(() => {
      delete process.env.LEAKY_RUNTIME_SECRET;
    });
    const plugin = await started(
      startInput(
        {
          transport: "stdio",
          command: process.execPath,
          args: [stdioMcpServerScript],
          envFromSecrets: { ORDERS_API_TOKEN: "env:ORDERS_TOKEN_SOURCE" },
        },
        { env: { ORDERS_TOKEN_SOURCE: "orders-token-9" } },
      ),
    );

    // Act
    const result = await plugin.tools
      .find((tool) => tool.name === "orders__server_secret")
      ?.call({}, new AbortController().signal);

    // Assess
    expect(result?.content).toBe("token=orders-token-9 leaky=<unset>");
  });

  it("rejects at the plugin timeout when the server never answers initialize, and kills it", async () => {
    // Prepare: the script ignores SIGTERM, so only the SIGKILL after the close grace ends it. It
    // writes its pid once `initialize` reached it: the plugin is then stopped during initialize.
    const directory = mkdtempSync(join(tmpdir(), "agentcron-mcp-"));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const pidFile = join(directory, "server.pid");
    const controller = new AbortController();
    const starting = mcpPluginType.start(
      startInput(
        { transport: "stdio", command: process.execPath, args: [silentStdioServerScript, pidFile] },
        { signal: controller.signal },
      ),
    );
    // The file exists before its pid is written in it: wait for the pid itself.
    await waitUntil(() => /^\d+\s*$/.test(readIfExists(pidFile)), 30_000, "initialize to reach the server");
    const serverPid = Number(readFileSync(pidFile, "utf8"));
    const abortedAt = Date.now();

    // Act
    controller.abort(new Error('plugin "orders" init timeout (0.3 s)'));
    const outcome = await starting.catch((error) => error);

    // Assess
    expect(outcome).toBeInstanceOf(McpPluginStartError);
    expect((outcome as Error).message).toContain("init timeout (0.3 s) during initialize");
    expect(Date.now() - abortedAt).toBeLessThan(PROMPTLY_MS); // the server never answers
    await waitUntil(
      () => !isProcessRunning(serverPid),
      PROMPTLY_MS,
      `the server (pid ${serverPid}) to be gone`,
    );
  });

  it("names the server's exit code and stderr when it dies during initialize", async () => {
    const outcome = await mcpPluginType
      .start(
        startInput({
          transport: "stdio",
          command: process.execPath,
          args: ["-e", "console.error('orders-mcp: missing ORDERS_DB_URL'); process.exit(2)"],
        }),
      )
      .catch((error) => error);

    expect(outcome).toBeInstanceOf(McpPluginStartError);
    expect((outcome as Error).message).toContain("exited with code 2");
    expect((outcome as Error).message).toContain("missing ORDERS_DB_URL");
  });
});

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}
