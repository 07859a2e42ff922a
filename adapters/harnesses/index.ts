import type { Harness } from "#core/agents/harness.ts";
import { a2aHarness } from "./a2a.ts";
import { anthropicHarness } from "./anthropic.ts";
import { bedrockHarness } from "./bedrock.ts";
import { commandHarness } from "./command.ts";
import { demoHarness } from "./demo.ts";
import { openAiHarness } from "./openai.ts";

/**
 * Every built-in harness, registered eagerly at module load (DESIGN invariant 7: the job schema and
 * the turn handler see the full list before serving anything). Importing this module stays cheap:
 * each harness loads its SDK on its first turn.
 */
export const builtInHarnesses: readonly Harness[] = [
  anthropicHarness,
  bedrockHarness,
  openAiHarness,
  a2aHarness,
  commandHarness,
  demoHarness,
];
