import type { PluginTypeDescriptor } from "#core/agents/plugin.ts";
import { mcpDescriptor } from "./mcp-options.ts";

/** Every built-in plugin type as the job schema knows it, in the order of `builtInPluginTypes`. */
export const builtInPluginTypeDescriptors: readonly PluginTypeDescriptor[] = [mcpDescriptor];
