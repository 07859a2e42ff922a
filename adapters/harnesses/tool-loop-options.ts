import { z } from "zod";

/** Options every model harness with a tool loop shares (anthropic, bedrock, openai). */
export const toolLoopOptionsShape = {
  /**
   * Upper bound on the tokens of each model response.
   * @default 4096
   */
  maxTokens: z.number().int().positive().default(4096),
  /**
   * Tool calls allowed in one turn; when the model asks for more, the turn ends with stopReason
   * `max-tool-calls` (a model stuck calling tools must not run until the phase timeout).
   * @default 20
   */
  maxToolCalls: z.number().int().min(0).max(1000).default(20),
  /**
   * Bound on each tool call, on top of the turn's own signal.
   * @default 60
   */
  toolCallTimeoutSeconds: z.number().positive().max(3600).default(60),
  /** System prompt sent with every request of the turn. */
  system: z.string().min(1).optional(),
};

/** The parsed shared options. */
export interface ToolLoopOptions {
  readonly maxTokens: number;
  readonly maxToolCalls: number;
  readonly toolCallTimeoutSeconds: number;
  readonly system?: string | undefined;
}
