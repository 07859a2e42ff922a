import type { HarnessDescriptor } from "../agents/harness.ts";
import type { PluginTypeDescriptor } from "../agents/plugin.ts";

/**
 * The harnesses and plugin types a deployment registered at boot (DESIGN invariant 7). The job
 * schema is built from it, so a job can only name what this deployment can actually run.
 */
export interface AgentCatalog {
  readonly harnesses: ReadonlyMap<string, HarnessDescriptor>;
  readonly pluginTypes: ReadonlyMap<string, PluginTypeDescriptor>;
}

export function createCatalog(
  harnesses: readonly HarnessDescriptor[],
  pluginTypes: readonly PluginTypeDescriptor[],
): AgentCatalog {
  return {
    harnesses: new Map(harnesses.map((harness) => [harness.name, harness])),
    pluginTypes: new Map(pluginTypes.map((pluginType) => [pluginType.type, pluginType])),
  };
}
