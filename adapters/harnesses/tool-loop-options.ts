import { z } from "zod";

/** Options every model harness with a tool loop shares (anthropic, bedrock, openai). */
export const toolLoopOptionsShape = {
  maxTokens: z
    .number()
    .int()
    .positive()
    .default(4096)
    .describe("Upper bound on the tokens of each model response."),
  maxToolCalls: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(20)
    .describe(
      "Tool calls allowed in one turn; when the model asks for more, the turn ends with stopReason `max-tool-calls` (a model stuck calling tools must not run until the phase timeout).",
    ),
  toolCallTimeoutSeconds: z
    .number()
    .positive()
    .max(3600)
    .default(60)
    .describe("Bound on each tool call, on top of the turn's own signal."),
  system: z.string().min(1).optional().describe("System prompt sent with every request of the turn."),
};

/** The parsed shared options. */
export interface ToolLoopOptions {
  readonly maxTokens: number;
  readonly maxToolCalls: number;
  readonly toolCallTimeoutSeconds: number;
  readonly system?: string | undefined;
}
