import type {
  BedrockRuntimeClient,
  BedrockRuntimeClientConfig,
  ContentBlock,
  ConverseCommandInput,
  ConverseCommandOutput,
  Message,
  Tool,
  ToolInputSchema,
} from "@aws-sdk/client-bedrock-runtime";
import { type Harness, HarnessFailedError, type HarnessTurnInput } from "#core/agents/harness.ts";
import { type BedrockOptions, bedrockDescriptor } from "./bedrock-options.ts";
import { MODEL_REQUEST_RETRIES, type ModelConversation, runToolLoop, toStopReason } from "./tool-loop.ts";

export { type BedrockOptions, bedrockOptionsSchema } from "./bedrock-options.ts";

export interface BedrockHarnessDependencies {
  /**
   * Credentials for every client this harness creates.
   * @default the AWS SDK default credential chain
   */
  readonly credentials?: BedrockRuntimeClientConfig["credentials"];
}

/**
 * Creates a `bedrock` harness: the Bedrock Converse API with a tool loop over the turn's tools
 * (toolSpec / toolUse → toolResult; see `runToolLoop`). One client per region + endpoint, created on
 * the first turn that needs it (the SDK is not loaded at module load).
 *
 * Its `run` throws HarnessFailedError when the job names no model, and HarnessAbortedError /
 * HarnessFailedError as described on `runToolLoop`.
 */
export function createBedrockHarness(dependencies: BedrockHarnessDependencies = {}): Harness<BedrockOptions> {
  const clients = new Map<string, Promise<BedrockRuntimeClient>>();
  const clientFor = (options: BedrockOptions): Promise<BedrockRuntimeClient> => {
    const key = `${options.region ?? ""}|${options.endpoint ?? ""}`;
    let client = clients.get(key);
    if (!client) {
      client = import("@aws-sdk/client-bedrock-runtime").then(
        (sdk) =>
          new sdk.BedrockRuntimeClient({
            // The SDK's standard retry mode backs off throttling and 5xx answers; see MODEL_REQUEST_RETRIES.
            maxAttempts: MODEL_REQUEST_RETRIES + 1,
            ...(options.region === undefined ? {} : { region: options.region }),
            ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
            ...(dependencies.credentials === undefined ? {} : { credentials: dependencies.credentials }),
          }),
      );
      // A failed import must not poison the cache for later turns.
      client.catch(() => clients.delete(key));
      clients.set(key, client);
    }
    return client;
  };

  return {
    ...bedrockDescriptor,
    async run(input) {
      const { options } = input;
      const model = input.model;
      if (model === undefined || model === "") {
        throw new HarnessFailedError(
          "The bedrock harness needs a model: set agent.model in the job to a Bedrock model id or inference profile (e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0).",
        );
      }
      const [client, { ConverseCommand }] = await Promise.all([
        clientFor(options),
        import("@aws-sdk/client-bedrock-runtime"),
      ]);
      const where = options.endpoint ?? `region ${options.region ?? process.env.AWS_REGION ?? "(default)"}`;
      const conversation = bedrockConversation(input, model, (request, signal) =>
        client.send(new ConverseCommand(request), { abortSignal: signal }),
      );
      return runToolLoop(input, conversation, {
        provider: "bedrock",
        model,
        maxToolCalls: options.maxToolCalls,
        toolCallTimeoutSeconds: options.toolCallTimeoutSeconds,
        describeFailure: (error) => describeBedrockFailure(model, where, error),
      });
    },
  };
}

/** The `bedrock` harness with the default credential chain. */
export const bedrockHarness: Harness<BedrockOptions> = createBedrockHarness();

type Converse = (request: ConverseCommandInput, signal: AbortSignal) => Promise<ConverseCommandOutput>;

function bedrockConversation(
  input: HarnessTurnInput<BedrockOptions>,
  model: string,
  converse: Converse,
): ModelConversation {
  const { options } = input;
  const messages: Message[] = [{ role: "user", content: [{ text: input.prompt }] }];
  const tools: Tool[] = input.tools.map((tool) => ({
    toolSpec: {
      name: tool.name,
      description: tool.description,
      inputSchema: { json: toDocument(tool.inputSchema) },
    },
  }));

  return {
    async next(signal) {
      const response = await converse(
        {
          modelId: model,
          messages,
          ...(options.system === undefined ? {} : { system: [{ text: options.system }] }),
          inferenceConfig: {
            maxTokens: options.maxTokens,
            ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
          },
          // Bedrock refuses a history holding toolUse/toolResult blocks without a toolConfig.
          ...(tools.length === 0 ? {} : { toolConfig: { tools } }),
        },
        signal,
      );
      const reply = response.output?.message;
      if (!reply) {
        throw new HarnessFailedError(`Bedrock Converse answered without a message (model ${model}).`);
      }
      messages.push(reply);
      const content: ContentBlock[] = reply.content ?? [];
      const text = content.flatMap((block) => (block.text === undefined ? [] : [block.text])).join("");
      const toolUses =
        response.stopReason === "tool_use"
          ? content.flatMap((block) =>
              block.toolUse === undefined
                ? []
                : [
                    {
                      id: block.toolUse.toolUseId ?? "",
                      name: block.toolUse.name ?? "",
                      args: block.toolUse.input,
                    },
                  ],
            )
          : [];
      return {
        text,
        toolUses,
        usage: {
          inputTokens: response.usage?.inputTokens ?? 0,
          outputTokens: response.usage?.outputTokens ?? 0,
        },
        stopReason: toStopReason(response.stopReason, ["end_turn", "stop_sequence", "tool_use"]),
      };
    },
    addToolResults(outcomes) {
      messages.push({
        role: "user",
        content: outcomes.map(({ request, result }) => ({
          toolResult: {
            toolUseId: request.id,
            content: [{ text: result.content }],
            status: result.isError ? "error" : "success",
          },
        })),
      });
    },
  };
}

/** Tool input schemas are plain JSON, which is what the SDK's document type describes. */
function toDocument(value: Record<string, unknown>): ToolInputSchema.JsonMember["json"] {
  return value as ToolInputSchema.JsonMember["json"];
}

function describeBedrockFailure(model: string, where: string, error: unknown): string {
  if (!(error instanceof Error)) {
    return `Bedrock Converse (${where}, model ${model}) failed: ${String(error)}`;
  }
  const metadata: unknown = "$metadata" in error ? error.$metadata : undefined;
  const status =
    typeof metadata === "object" && metadata !== null && "httpStatusCode" in metadata
      ? metadata.httpStatusCode
      : undefined;
  const statusText = typeof status === "number" ? ` HTTP ${status}` : "";
  return `Bedrock Converse (${where}, model ${model}) failed with ${error.name}${statusText}: ${error.message}`;
}
