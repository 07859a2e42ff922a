import { z } from "zod";
import {
  httpUrlSchema,
  secretReferenceSchema,
  strictOptionsObject,
} from "#adapters/secrets/option-schemas.ts";
import type { HarnessDescriptor } from "#core/agents/harness.ts";
import { toolLoopOptionsShape } from "./tool-loop-options.ts";

/** Options of the `openai` harness (strict: unknown keys, and `apiKey` literals, are refused). */
export const openAiOptionsSchema = strictOptionsObject({
  apiKeyRef: secretReferenceSchema
    .optional()
    .describe(
      "Where the API key lives. Without it the harness uses `env:OPENAI_API_KEY` for the OpenAI API and sends no Authorization header to a `baseUrl` (a self-hosted model server without auth).",
    ),
  baseUrl: httpUrlSchema
    .optional()
    .describe(
      'Chat-completions endpoint root of any OpenAI-compatible server (vLLM, llama.cpp, Ollama, a gateway). Always sent explicitly, so the SDK\'s OPENAI_BASE_URL lookup never redirects a turn. Default: "https://api.openai.com/v1".',
    ),
  maxTokensField: z
    .enum(["max_completion_tokens", "max_tokens"])
    .default("max_completion_tokens")
    .describe(
      "Request field carrying `maxTokens`. OpenAI's reasoning models only accept `max_completion_tokens`; some self-hosted servers only know the older `max_tokens`.",
    ),
  temperature: z
    .number()
    .min(0)
    .max(2)
    .optional()
    .describe("Sampling temperature, when the model accepts one."),
  ...toolLoopOptionsShape,
});

export type OpenAiOptions = z.infer<typeof openAiOptionsSchema>;

/**
 * The `openai` harness as the job schema knows it — its name and options — without its implementation
 * or SDK, so functions that only validate jobs (dispatch, sweep, job apply) do not bundle them.
 */
export const openaiDescriptor: HarnessDescriptor<OpenAiOptions> = {
  name: "openai",
  description:
    "OpenAI-compatible chat completions (OpenAI or a self-hosted model server) with a bounded function-calling loop.",
  optionsSchema: openAiOptionsSchema,
};
