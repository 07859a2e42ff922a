import type { AgentCatalog } from "../jobs/catalog.ts";
import type { Harness } from "./harness.ts";
import type { PluginType } from "./plugin.ts";

/**
 * Port: the harnesses and plugin types this deployment registered at boot (DESIGN invariant 7).
 * The adapter (adapters/registry.ts) builds it eagerly at module load.
 */
export interface AgentRegistry {
  readonly catalog: AgentCatalog;
  /** @throws HarnessNotRegisteredError — its own class, metric and alarm. */
  harness(name: string, jobId?: string): Harness;
  /** @throws PluginTypeNotRegisteredError */
  pluginType(type: string): PluginType;
}
