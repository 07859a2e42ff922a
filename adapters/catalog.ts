import { type AgentCatalog, createCatalog } from "#core/jobs/catalog.ts";
import { builtInHarnessDescriptors } from "./harnesses/descriptors.ts";
import { builtInPluginTypeDescriptors } from "./plugins/descriptors.ts";

/**
 * The built-in catalog (DESIGN invariant 7): what jobs may name, built from the descriptors alone.
 * Dispatch, the sweeper and job apply validate jobs with it and so bundle no LLM or MCP SDK; the turn
 * uses `builtInRegistry` (adapters/registry.ts), whose catalog lists the same harnesses and schemas.
 */
export const builtInCatalog: AgentCatalog = createCatalog(
  builtInHarnessDescriptors,
  builtInPluginTypeDescriptors,
);
