/**
 * A tool the agent may call during its turn. Plugins (e.g. an MCP server) contribute tools; the
 * harness offers them to the model and calls them. Every call is bounded by the signal it gets.
 */
export interface AgentTool {
  /** Unique within the turn: `<pluginName>__<toolName>`, matching ^[a-zA-Z0-9_-]{1,64}$. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema (an object schema) of the tool's arguments. */
  readonly inputSchema: Record<string, unknown>;
  call(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolCallResult>;
}

export interface ToolCallResult {
  /** Text handed back to the model. */
  readonly content: string;
  /** True when the tool reported an error (the model sees it and may recover). */
  readonly isError: boolean;
}
