import type { Harness } from "#core/agents/harness.ts";
import type { PluginType } from "#core/agents/plugin.ts";
import type { AgentRegistry } from "#core/agents/registry.ts";
import { HarnessNotRegisteredError, PluginTypeNotRegisteredError } from "#core/errors.ts";
import { createCatalog } from "#core/jobs/catalog.ts";
import { builtInHarnesses } from "./harnesses/index.ts";
import { builtInPluginTypes } from "./plugins/index.ts";

export type { AgentRegistry };

export function createRegistry(
  harnesses: readonly Harness[],
  pluginTypes: readonly PluginType[],
): AgentRegistry {
  const harnessByName = new Map(harnesses.map((harness) => [harness.name, harness]));
  const pluginTypeByName = new Map(pluginTypes.map((pluginType) => [pluginType.type, pluginType]));
  return {
    catalog: createCatalog(harnesses, pluginTypes),
    harness(name, jobId) {
      const harness = harnessByName.get(name);
      if (!harness) throw new HarnessNotRegisteredError(name, [...harnessByName.keys()], jobId);
      return harness;
    },
    pluginType(type) {
      const pluginType = pluginTypeByName.get(type);
      if (!pluginType) throw new PluginTypeNotRegisteredError(type, [...pluginTypeByName.keys()]);
      return pluginType;
    },
  };
}

/**
 * The built-in registry, complete at module load — before any handler serves a message (field
 * report 4: a harness registered lazily left a "healthy" gateway failing every turn for 96 minutes).
 */
export const builtInRegistry: AgentRegistry = createRegistry(builtInHarnesses, builtInPluginTypes);
