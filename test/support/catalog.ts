import { z } from "zod";
import type { HarnessDescriptor } from "#core/agents/harness.ts";
import type { PluginTypeDescriptor } from "#core/agents/plugin.ts";
import { type AgentCatalog, createCatalog } from "#core/jobs/catalog.ts";

/** A small catalog for unit tests: the schema's behaviour, independent of the real harnesses. */
export const testCatalog: AgentCatalog = createCatalog(
  [
    {
      name: "echo",
      description: "test harness",
      optionsSchema: z.strictObject({
        apiKeyRef: z.string().optional(),
        temperature: z.number().max(1).optional(),
      }),
    } satisfies HarnessDescriptor,
  ],
  [
    {
      type: "mcp",
      description: "test plugin type",
      optionsSchema: z.strictObject({ url: z.url() }),
    } satisfies PluginTypeDescriptor,
  ],
);
