import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import { type Harness, HarnessFailedError, type HarnessTurnInput } from "#core/agents/harness.ts";
import { remainingMs } from "./abort.ts";
import { type OpenAiOptions, openaiDescriptor } from "./openai-options.ts";
import {
  describeHttpApiFailure,
  MODEL_REQUEST_RETRIES,
  type ModelConversation,
  runToolLoop,
  type ToolUseRequest,
  toStopReason,
} from "./tool-loop.ts";

export { type OpenAiOptions, openAiOptionsSchema } from "./openai-options.ts";

const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
const DEFAULT_OPENAI_API_KEY_REF = "env:OPENAI_API_KEY";

/**
 * The `openai` harness: OpenAI-compatible chat completions through the `openai` SDK, with a tool
 * loop over the turn's tools (function calling; see `runToolLoop`). The job must name the model
 * (`agent.model`): a self-hosted server has no sensible default. The SDK is imported on the first turn.
 *
 * @throws SecretNotFoundError when `apiKeyRef` (or the default `env:OPENAI_API_KEY`) resolves to nothing.
 * @throws HarnessFailedError when the job names no model, or as described on `runToolLoop`.
 * @throws HarnessAbortedError as described on `runToolLoop`.
 */
export const openAiHarness: Harness<OpenAiOptions> = {
  ...openaiDescriptor,
  async run(input) {
    const { options } = input;
    const model = input.model;
    if (model === undefined || model === "") {
      throw new HarnessFailedError(
        "The openai harness needs a model: set agent.model in the job (e.g. gpt-5.1, or the name your model server serves).",
      );
    }
    const apiKeyRef = options.apiKeyRef ?? (options.baseUrl ? undefined : DEFAULT_OPENAI_API_KEY_REF);
    const apiKey = apiKeyRef === undefined ? undefined : await input.secrets.resolve(apiKeyRef, input.signal);
    const baseUrl = options.baseUrl ?? DEFAULT_OPENAI_BASE_URL;

    const { default: OpenAI } = await import("openai");
    const client = new OpenAI({
      // The SDK insists on a key; for a server without auth the placeholder never leaves the process
      // because the Authorization header is removed below.
      apiKey: apiKey ?? "no-api-key",
      baseURL: baseUrl,
      // null (not undefined) stops the SDK from reading OPENAI_ORG_ID / OPENAI_PROJECT_ID / admin keys
      // from the environment: everything a turn sends comes from the job.
      organization: null,
      project: null,
      adminAPIKey: null,
      maxRetries: MODEL_REQUEST_RETRIES,
      ...(apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
    });

    const conversation = openAiConversation(input, model, (params, signal) =>
      client.chat.completions.create(params, { signal, timeout: remainingMs(input.deadlineAt) }),
    );
    return runToolLoop(input, conversation, {
      provider: "openai",
      model,
      maxToolCalls: options.maxToolCalls,
      toolCallTimeoutSeconds: options.toolCallTimeoutSeconds,
      describeFailure: (error) =>
        describeHttpApiFailure("OpenAI-compatible chat completions API", baseUrl, error),
    });
  },
};

type CreateCompletion = (
  params: ChatCompletionCreateParamsNonStreaming,
  signal: AbortSignal,
) => Promise<ChatCompletion>;

function openAiConversation(
  input: HarnessTurnInput<OpenAiOptions>,
  model: string,
  createCompletion: CreateCompletion,
): ModelConversation {
  const { options } = input;
  const messages: ChatCompletionMessageParam[] = [
    ...(options.system === undefined ? [] : [{ role: "system" as const, content: options.system }]),
    { role: "user", content: input.prompt },
  ];
  const tools: ChatCompletionTool[] = input.tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  }));

  return {
    async next(signal) {
      const completion = await createCompletion(
        {
          model,
          messages,
          [options.maxTokensField]: options.maxTokens,
          ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
          ...(tools.length === 0 ? {} : { tools }),
        },
        signal,
      );
      const choice = completion.choices[0];
      if (!choice) {
        throw new HarnessFailedError(`The model server answered without any choice (model ${model}).`);
      }
      const { message } = choice;
      const functionCalls = (message.tool_calls ?? []).flatMap((call) =>
        call.type === "function" ? [call] : [],
      );
      messages.push({
        role: "assistant",
        content: message.content ?? null,
        ...(functionCalls.length === 0 ? {} : { tool_calls: functionCalls }),
      });
      // Some self-hosted servers report finish_reason "stop" with tool calls, so the calls decide;
      // a response cut by the token limit may hold truncated arguments and runs no tool.
      const toolUses = choice.finish_reason === "length" ? [] : functionCalls.map(toToolUseRequest);
      return {
        text: message.content ?? "",
        toolUses,
        model: completion.model,
        usage: {
          inputTokens: completion.usage?.prompt_tokens ?? 0,
          outputTokens: completion.usage?.completion_tokens ?? 0,
        },
        stopReason: toStopReason(choice.finish_reason === "length" ? "max_tokens" : choice.finish_reason, [
          "stop",
          "tool_calls",
        ]),
      };
    },
    addToolResults(outcomes) {
      for (const { request, result } of outcomes) {
        // Chat completions have no error flag on tool messages; the prefix tells the model.
        messages.push({
          role: "tool",
          tool_call_id: request.id,
          content: result.isError ? `Error: ${result.content}` : result.content,
        });
      }
    },
  };
}

function toToolUseRequest(call: {
  id: string;
  function: { name: string; arguments: string };
}): ToolUseRequest {
  const base = { id: call.id, name: call.function.name };
  if (call.function.arguments.trim() === "") {
    return { ...base, args: {} };
  }
  try {
    return { ...base, args: JSON.parse(call.function.arguments) };
  } catch (error) {
    return {
      ...base,
      args: undefined,
      argumentsError: `invalid JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
