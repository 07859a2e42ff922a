import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { describeAbortReason, raceWithSignal, remainingMs } from "#adapters/harnesses/abort.ts";
import { childEnvironment } from "#adapters/harnesses/process-group.ts";
import type { PluginStartInput, PluginType, StartedPlugin } from "#core/agents/plugin.ts";
import type { AgentTool } from "#core/agents/tool.ts";
import type { Logger } from "#core/logger.ts";
import { type McpOptions, mcpDescriptor } from "./mcp-options.ts";
import type { ProcessGroupStdioTransport } from "./mcp-stdio-transport.ts";
import { agentToolName } from "./mcp-tool-names.ts";
import { toToolCallResult } from "./mcp-tool-result.ts";

export { type McpOptions, mcpOptionsSchema } from "./mcp-options.ts";

const CLIENT_INFO = { name: "agentcron", version: "0.1.0" };
const MAX_TOOL_LIST_PAGES = 50;
const SESSION_TERMINATION_TIMEOUT_MS = 1_000;

/** An MCP plugin did not start; names the plugin, the server and the step that failed or hung. */
export class McpPluginStartError extends Error {
  override name = "McpPluginStartError";
  constructor(
    message: string,
    readonly pluginName: string,
    readonly step: "initialize" | "tools/list",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The `mcp` plugin type: connects to an MCP server (Streamable HTTP, or stdio in its own process
 * group), initializes, lists its tools, and offers each as an AgentTool named
 * `<pluginName>__<toolName>`. Every step honours the start signal (the plugin's own timeout): on
 * abort, `start` rejects at once and closes the connection / ends the server process group.
 *
 * `start` throws {@link McpPluginStartError} naming the step (`initialize`, `tools/list`) that failed
 * or was in flight when the signal aborted, and SecretNotFoundError for a missing secret.
 */
export const mcpPluginType: PluginType<McpOptions> = {
  ...mcpDescriptor,
  async start(input) {
    const { options, signal } = input;
    const log = input.log.child({ plugin: input.name, pluginType: "mcp", transport: options.transport });
    const server =
      options.transport === "stdio" ? `stdio server "${options.command}"` : `server at ${options.url}`;
    signal.throwIfAborted();

    const transport = await createTransport(input);
    const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    let step: McpPluginStartError["step"] = "initialize";
    try {
      // The signal is raced here rather than handed to the SDK: on abort the SDK would first send a
      // notifications/cancelled (which MCP forbids for initialize) on a fresh connection that then
      // lingers in the fetch pool; closing the transport below ends the exchange outright.
      await raceWithSignal(client.connect(transport, { timeout: remainingMs(input.deadlineAt) }), signal);
      step = "tools/list";
      const serverTools = await listServerTools(client, signal, input.deadlineAt, log);
      const tools = toAgentTools(input.name, serverTools, options, client, log);
      log.info("MCP plugin started", { tools: tools.map((tool) => tool.name) });
      return startedPlugin(client, transport, tools, log);
    } catch (error) {
      await closeQuietly(client, log);
      const cause = signal.aborted
        ? `stopped: ${describeAbortReason(signal.reason)}`
        : `failed: ${describeError(error)}`;
      const exit = isStdioTransport(transport) ? ` (${transport.describeExit()})` : "";
      throw new McpPluginStartError(
        `MCP plugin "${input.name}" (${server}) ${cause} during ${step}${exit}`,
        input.name,
        step,
        { cause: error },
      );
    }
  },
};

async function createTransport(input: PluginStartInput<McpOptions>): Promise<Transport> {
  const { options, signal } = input;
  if (options.transport === "streamable-http") {
    const token =
      options.authTokenRef === undefined
        ? undefined
        : await input.secrets.resolve(options.authTokenRef, signal);
    const { StreamableHTTPClientTransport } = await import(
      "@modelcontextprotocol/sdk/client/streamableHttp.js"
    );
    return new StreamableHTTPClientTransport(new URL(options.url), {
      requestInit: {
        headers: { ...options.headers, ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
      },
    });
  }
  const secretEnv: Record<string, string> = {};
  for (const [name, reference] of Object.entries(options.envFromSecrets)) {
    secretEnv[name] = await input.secrets.resolve(reference, signal);
  }
  const { ProcessGroupStdioTransport } = await import("./mcp-stdio-transport.ts");
  return new ProcessGroupStdioTransport({
    command: options.command,
    args: options.args,
    cwd: options.cwd,
    env: childEnvironment({ ...options.env, ...secretEnv }, options.inheritEnv),
  });
}

function isStdioTransport(transport: Transport): transport is ProcessGroupStdioTransport {
  return "describeExit" in transport;
}

async function listServerTools(client: Client, signal: AbortSignal, deadlineAt: number, log: Logger) {
  if (!client.getServerCapabilities()?.tools) {
    log.warn("MCP server offers no tools capability; the plugin contributes no tools");
    return [];
  }
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_LIST_PAGES; page += 1) {
    const result = await raceWithSignal(
      client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: remainingMs(deadlineAt) }),
      signal,
    );
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) {
      return tools;
    }
  }
  throw new Error(`the server returned more than ${MAX_TOOL_LIST_PAGES} pages of tools`);
}

function toAgentTools(
  pluginName: string,
  serverTools: readonly Tool[],
  options: McpOptions,
  client: Client,
  log: Logger,
): AgentTool[] {
  const allowList = options.tools === undefined ? undefined : new Set(options.tools);
  if (allowList) {
    const missing = [...allowList].filter((name) => !serverTools.some((tool) => tool.name === name));
    if (missing.length > 0) {
      log.warn("MCP server does not offer every allow-listed tool", { missing });
    }
  }
  const taken = new Set<string>();
  const agentTools: AgentTool[] = [];
  for (const tool of serverTools) {
    if (allowList && !allowList.has(tool.name)) {
      continue;
    }
    if (tool.execution?.taskSupport === "required") {
      log.warn("skipping MCP tool that only runs as a task", { tool: tool.name });
      continue;
    }
    const name = agentToolName(pluginName, tool.name, taken);
    taken.add(name);
    agentTools.push(toAgentTool(name, pluginName, tool, client, options.toolCallTimeoutSeconds));
  }
  return agentTools;
}

function toAgentTool(
  name: string,
  pluginName: string,
  tool: Tool,
  client: Client,
  timeoutSeconds: number,
): AgentTool {
  return {
    name,
    description: tool.description ?? tool.title ?? `Tool ${tool.name} of MCP server ${pluginName}`,
    inputSchema: tool.inputSchema,
    async call(args, signal) {
      try {
        const result = await client.callTool({ name: tool.name, arguments: args }, undefined, {
          signal,
          timeout: timeoutSeconds * 1000,
        });
        return toToolCallResult(result);
      } catch (error) {
        if (signal.aborted) {
          throw signal.reason;
        }
        return {
          isError: true,
          content: `MCP server "${pluginName}" could not run ${tool.name}: ${describeError(error)}`,
        };
      }
    },
  };
}

function startedPlugin(
  client: Client,
  transport: Transport,
  tools: readonly AgentTool[],
  log: Logger,
): StartedPlugin {
  return {
    tools,
    async close() {
      if ("terminateSession" in transport && typeof transport.terminateSession === "function") {
        // Stateful HTTP servers free the session at once instead of waiting for it to time out.
        await Promise.race([
          Promise.resolve(transport.terminateSession()).catch(() => {}),
          new Promise((resolve) => setTimeout(resolve, SESSION_TERMINATION_TIMEOUT_MS).unref()),
        ]);
      }
      await closeQuietly(client, log);
    },
  };
}

async function closeQuietly(client: Client, log: Logger): Promise<void> {
  try {
    await client.close();
  } catch (error) {
    log.warn("closing the MCP client failed", { error: describeError(error) });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
