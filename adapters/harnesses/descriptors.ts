import type { HarnessDescriptor } from "#core/agents/harness.ts";
import { a2aDescriptor } from "./a2a-options.ts";
import { anthropicDescriptor } from "./anthropic-options.ts";
import { bedrockDescriptor } from "./bedrock-options.ts";
import { commandDescriptor } from "./command-options.ts";
import { demoDescriptor } from "./demo-options.ts";
import { openaiDescriptor } from "./openai-options.ts";

/**
 * Every built-in harness as the job schema knows it (name and options), in the order of
 * `builtInHarnesses` — without the implementations, so what only validates jobs bundles no SDK.
 */
export const builtInHarnessDescriptors: readonly HarnessDescriptor[] = [
  anthropicDescriptor,
  bedrockDescriptor,
  openaiDescriptor,
  a2aDescriptor,
  commandDescriptor,
  demoDescriptor,
];
