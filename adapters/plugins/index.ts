import type { PluginType } from "#core/agents/plugin.ts";
import { mcpPluginType } from "./mcp.ts";

/**
 * Every built-in plugin type, registered eagerly at module load (DESIGN invariant 7). Importing this
 * module does not load the MCP SDK; a plugin loads it when it starts.
 */
export const builtInPluginTypes: readonly PluginType[] = [mcpPluginType];
