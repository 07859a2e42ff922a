import type { z } from "zod";
import {
  httpUrlSchema,
  secretReferenceSchema,
  strictOptionsObject,
} from "#adapters/secrets/option-schemas.ts";
import type { HarnessDescriptor } from "#core/agents/harness.ts";
import { toolLoopOptionsShape } from "./tool-loop-options.ts";

/** Options of the `anthropic` harness (strict: unknown keys, and `apiKey` literals, are refused). */
export const anthropicOptionsSchema = strictOptionsObject(
  {
    apiKeyRef: secretReferenceSchema.default("env:ANTHROPIC_API_KEY").describe("Where the API key lives."),
    baseUrl: httpUrlSchema
      .optional()
      .describe(
        'Messages API endpoint (a gateway, or a loopback server in tests). Always sent explicitly, so the SDK\'s own ANTHROPIC_BASE_URL lookup never redirects a turn. Default: "https://api.anthropic.com".',
      ),
    ...toolLoopOptionsShape,
  },
  {
    temperature:
      "the Anthropic Messages API version sent by @anthropic-ai/sdk 1.x (2026-10-21) rejects temperature, top_p and top_k with HTTP 400, so the harness does not offer them",
  },
);

export type AnthropicOptions = z.infer<typeof anthropicOptionsSchema>;

/**
 * The `anthropic` harness as the job schema knows it — its name and options — without its implementation
 * or SDK, so functions that only validate jobs (dispatch, sweep, job apply) do not bundle them.
 */
export const anthropicDescriptor: HarnessDescriptor<AnthropicOptions> = {
  name: "anthropic",
  description: "Anthropic Messages API (Claude) with a bounded tool-use loop over the plugins' tools.",
  optionsSchema: anthropicOptionsSchema,
};
