import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  Tool,
} from "@anthropic-ai/sdk/resources/messages";
import type { Harness, HarnessTurnInput } from "#core/agents/harness.ts";
import { remainingMs } from "./abort.ts";
import { type AnthropicOptions, anthropicDescriptor } from "./anthropic-options.ts";
import {
  describeHttpApiFailure,
  MODEL_REQUEST_RETRIES,
  type ModelConversation,
  runToolLoop,
  toStopReason,
} from "./tool-loop.ts";

export { type AnthropicOptions, anthropicOptionsSchema } from "./anthropic-options.ts";

const DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";

/** Model used when the job names none. */
export const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-5-5";

/**
 * The `anthropic` harness: the Messages API through `@anthropic-ai/sdk`, with a tool loop over the
 * turn's tools (see `runToolLoop`). The SDK is imported on the first turn, not at module load.
 *
 * @throws SecretNotFoundError when `apiKeyRef` resolves to nothing.
 * @throws HarnessAbortedError / HarnessFailedError as described on `runToolLoop`.
 */
export const anthropicHarness: Harness<AnthropicOptions> = {
  ...anthropicDescriptor,
  async run(input) {
    const { options } = input;
    const apiKey = await input.secrets.resolve(options.apiKeyRef, input.signal);
    const baseUrl = options.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL;
    const model = input.model ?? DEFAULT_ANTHROPIC_MODEL;
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const client = new Anthropic({ apiKey, baseURL: baseUrl, maxRetries: MODEL_REQUEST_RETRIES });

    const conversation = anthropicConversation(input, model, (params, signal) =>
      // An explicit timeout also skips the SDK's refusal of non-streaming requests with a large
      // max_tokens; the turn's deadline is the real bound.
      client.messages.create(params, { signal, timeout: remainingMs(input.deadlineAt) }),
    );
    return runToolLoop(input, conversation, {
      provider: "anthropic",
      model,
      maxToolCalls: options.maxToolCalls,
      toolCallTimeoutSeconds: options.toolCallTimeoutSeconds,
      describeFailure: (error) => describeHttpApiFailure("Anthropic Messages API", baseUrl, error),
    });
  },
};

type CreateMessage = (params: MessageCreateParamsNonStreaming, signal: AbortSignal) => Promise<Message>;

function anthropicConversation(
  input: HarnessTurnInput<AnthropicOptions>,
  model: string,
  createMessage: CreateMessage,
): ModelConversation {
  const { options } = input;
  const messages: MessageParam[] = [{ role: "user", content: input.prompt }];
  const tools: Tool[] = input.tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.inputSchema, type: "object" },
  }));

  return {
    async next(signal) {
      const response = await createMessage(
        {
          model,
          max_tokens: options.maxTokens,
          messages,
          ...(options.system === undefined ? {} : { system: options.system }),
          ...(tools.length === 0 ? {} : { tools }),
        },
        signal,
      );
      const text = response.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
      // A response cut by max_tokens may hold a truncated tool_use: only a finished tool_use turn runs tools.
      const toolUses =
        response.stop_reason === "tool_use"
          ? response.content.flatMap((block) =>
              block.type === "tool_use" ? [{ id: block.id, name: block.name, args: block.input }] : [],
            )
          : [];
      messages.push({ role: "assistant", content: replayableContent(response) });
      const usage = response.usage;
      return {
        text,
        toolUses,
        model: response.model,
        usage: {
          inputTokens:
            usage.input_tokens +
            (usage.cache_creation_input_tokens ?? 0) +
            (usage.cache_read_input_tokens ?? 0),
          outputTokens: usage.output_tokens,
        },
        stopReason: toStopReason(response.stop_reason, ["end_turn", "stop_sequence", "tool_use"]),
      };
    },
    addToolResults(outcomes) {
      messages.push({
        role: "user",
        content: outcomes.map(({ request, result }) => ({
          type: "tool_result" as const,
          tool_use_id: request.id,
          content: result.content,
          is_error: result.isError,
        })),
      });
    },
  };
}

/**
 * The parts of a response sent back as the assistant's turn: text and tool_use blocks, rebuilt as
 * request params (response blocks carry read-only fields, such as `caller`, that requests do not take).
 */
function replayableContent(response: Message): ContentBlockParam[] {
  return response.content.flatMap((block): ContentBlockParam[] => {
    if (block.type === "text") {
      return [{ type: "text", text: block.text }];
    }
    if (block.type === "tool_use") {
      return [{ type: "tool_use", id: block.id, name: block.name, input: block.input }];
    }
    return [];
  });
}
