const MAX_TOOL_NAME_LENGTH = 64;

/**
 * The name an MCP tool gets in a turn: `<pluginName>__<toolName>`, with every character outside
 * [a-zA-Z0-9_-] replaced by `_` and cut to 64 characters (what the model APIs accept, and what
 * `AgentTool.name` promises). Names already in `taken` get a numeric suffix, so two MCP tools that
 * sanitize to the same name stay distinct.
 */
export function agentToolName(
  pluginName: string,
  toolName: string,
  taken: ReadonlySet<string> = new Set(),
): string {
  const base = `${pluginName}__${toolName}`.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, MAX_TOOL_NAME_LENGTH);
  if (!taken.has(base)) {
    return base;
  }
  for (let suffix = 2; ; suffix += 1) {
    const ending = `_${suffix}`;
    const candidate = `${base.slice(0, MAX_TOOL_NAME_LENGTH - ending.length)}${ending}`;
    if (!taken.has(candidate)) {
      return candidate;
    }
  }
}
