import {
  HarnessAbortedError,
  HarnessFailedError,
  type HarnessTurnInput,
  type HarnessTurnResult,
  type TokenUsage,
} from "#core/agents/harness.ts";
import type { AgentTool, ToolCallResult } from "#core/agents/tool.ts";
import {
  boundedSignal,
  boundedTurnSignal,
  DeadlineReachedError,
  describeAbortReason,
  raceWithSignal,
} from "./abort.ts";

/** One tool call the model asked for. */
export interface ToolUseRequest {
  /** The provider's id for the call, echoed in the result. */
  readonly id: string;
  readonly name: string;
  readonly args: unknown;
  /** Set when the provider's arguments could not be decoded (e.g. invalid JSON); the model is told. */
  readonly argumentsError?: string;
}

export interface ToolUseOutcome {
  readonly request: ToolUseRequest;
  readonly result: ToolCallResult;
}

/** A model response, translated out of the provider's wire format. */
export interface ModelStep {
  /** Text of this response (may be empty when the model only asks for tools). */
  readonly text: string;
  /** Tool calls to make before asking again; empty when the model has finished. */
  readonly toolUses: readonly ToolUseRequest[];
  readonly usage?: TokenUsage;
  readonly model?: string;
  /** Why the model stopped when it asked for no tool: `completed`, `max-tokens`, `refusal`... */
  readonly stopReason: string;
}

/** The provider-specific half of a turn: it owns the message history in its own wire format. */
export interface ModelConversation {
  /** Sends the history to the model and records the reply in it. */
  next(signal: AbortSignal): Promise<ModelStep>;
  /** Records the tools' results so the next request carries them. */
  addToolResults(outcomes: readonly ToolUseOutcome[]): void;
}

export interface ToolLoopSettings {
  readonly provider: string;
  readonly model: string;
  readonly maxToolCalls: number;
  readonly toolCallTimeoutSeconds: number;
  /** Turns an SDK/HTTP error into a message naming the provider and endpoint. */
  describeFailure(error: unknown): string;
}

/**
 * Tool results longer than this are cut before they go back to the model: one tool dumping megabytes
 * would otherwise make every following request of the turn fail or cost a fortune.
 */
export const MAX_TOOL_RESULT_CHARACTERS = 100_000;

/**
 * Retries of one model request that was refused for a passing reason (429 rate limit, Anthropic's
 * 529 overloaded, a 5xx, a dropped connection). The SDKs back off 0.5 s doubling to 8 s, or as the
 * server's Retry-After says, so six retries ride out about 30 s of refusals instead of failing the
 * run on the third; the turn's deadline still bounds them (the turn's signal aborts at it).
 */
export const MODEL_REQUEST_RETRIES = 6;

/**
 * Runs a model/tool loop: ask the model, run the tools it asks for (each bounded by its own timeout
 * and the turn's signal), hand back the results, until the model answers without tools or the turn
 * has made `maxToolCalls` calls (stopReason `max-tool-calls`). Usage is summed over the loop.
 *
 * @throws HarnessAbortedError when the turn's signal aborts or `deadlineAt` passes, with the output
 *   so far.
 * @throws HarnessFailedError when the model endpoint fails (message from `describeFailure`).
 */
export async function runToolLoop(
  input: HarnessTurnInput<unknown>,
  conversation: ModelConversation,
  settings: ToolLoopSettings,
): Promise<HarnessTurnResult> {
  const turn = boundedTurnSignal(input);
  const tools = new Map(input.tools.map((tool) => [tool.name, tool]));
  let toolCalls = 0;
  let latestText = "";
  let model = settings.model;
  const usage = { inputTokens: 0, outputTokens: 0 };

  const result = (stopReason: string): HarnessTurnResult => ({
    output: latestText,
    provider: settings.provider,
    model,
    usage: { ...usage },
    toolCalls,
    stopReason,
  });

  try {
    for (;;) {
      const step = await conversation.next(turn.signal);
      usage.inputTokens += step.usage?.inputTokens ?? 0;
      usage.outputTokens += step.usage?.outputTokens ?? 0;
      model = step.model ?? model;
      if (step.text !== "") {
        latestText = step.text;
      }
      if (step.toolUses.length === 0) {
        return result(step.stopReason);
      }

      const outcomes: ToolUseOutcome[] = [];
      for (const request of step.toolUses) {
        if (toolCalls >= settings.maxToolCalls) {
          input.log.warn("tool call budget exhausted; ending the turn", {
            provider: settings.provider,
            maxToolCalls: settings.maxToolCalls,
            pendingTool: request.name,
          });
          return result("max-tool-calls");
        }
        toolCalls += 1;
        const startedAt = Date.now();
        const toolResult = await callRequestedTool(
          request,
          tools,
          turn.signal,
          settings.toolCallTimeoutSeconds,
        );
        input.log.debug("tool call finished", {
          tool: request.name,
          isError: toolResult.isError,
          durationMs: Date.now() - startedAt,
        });
        outcomes.push({ request, result: toolResult });
      }
      conversation.addToolResults(outcomes);
    }
  } catch (error) {
    if (turn.signal.aborted) {
      throw new HarnessAbortedError(
        `${settings.provider} turn stopped: ${describeAbortReason(turn.signal.reason)}`,
        result("aborted"),
      );
    }
    if (error instanceof HarnessFailedError) {
      throw error;
    }
    throw new HarnessFailedError(settings.describeFailure(error), { cause: error });
  } finally {
    turn.dispose();
  }
}

async function callRequestedTool(
  request: ToolUseRequest,
  tools: ReadonlyMap<string, AgentTool>,
  signal: AbortSignal,
  timeoutSeconds: number,
): Promise<ToolCallResult> {
  const tool = tools.get(request.name);
  if (!tool) {
    return {
      isError: true,
      content: `No tool named "${request.name}" is available in this turn. Available tools: ${[...tools.keys()].join(", ") || "none"}.`,
    };
  }
  if (request.argumentsError !== undefined) {
    return {
      isError: true,
      content: `The arguments for ${tool.name} could not be read: ${request.argumentsError}`,
    };
  }
  if (!isPlainObject(request.args)) {
    return { isError: true, content: `The arguments for ${tool.name} must be a JSON object.` };
  }
  return callToolWithinLimits(tool, request.args, signal, timeoutSeconds);
}

/**
 * Calls one tool under its own timeout combined with the turn's signal. A tool that fails, throws or
 * times out becomes an `isError` result the model can react to, instead of ending the turn; a tool
 * that ignores its signal is abandoned at the bound. Long results are cut to
 * {@link MAX_TOOL_RESULT_CHARACTERS}.
 *
 * @throws the turn signal's reason when the turn itself is stopped (the turn must end, not the tool).
 */
export async function callToolWithinLimits(
  tool: AgentTool,
  args: Record<string, unknown>,
  turnSignal: AbortSignal,
  timeoutSeconds: number,
): Promise<ToolCallResult> {
  const bound = boundedSignal(
    turnSignal,
    timeoutSeconds * 1000,
    `tool ${tool.name} did not answer within ${timeoutSeconds}s`,
  );
  try {
    const result = await raceWithSignal(tool.call(args, bound.signal), bound.signal);
    return { isError: result.isError, content: capToolResult(result.content) };
  } catch (error) {
    if (turnSignal.aborted) {
      throw turnSignal.reason;
    }
    if (bound.signal.aborted && bound.signal.reason instanceof DeadlineReachedError) {
      return { isError: true, content: `Tool ${tool.name} timed out after ${timeoutSeconds}s.` };
    }
    return { isError: true, content: `Tool ${tool.name} failed: ${describeError(error)}` };
  } finally {
    bound.dispose();
  }
}

function capToolResult(content: string): string {
  if (content === "") {
    // Bedrock refuses blank text blocks; an explicit note also tells the model the call did happen.
    return "(the tool returned no content)";
  }
  if (content.length <= MAX_TOOL_RESULT_CHARACTERS) {
    return content;
  }
  return `${content.slice(0, MAX_TOOL_RESULT_CHARACTERS)}\n[tool result truncated: ${content.length} characters, kept the first ${MAX_TOOL_RESULT_CHARACTERS}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  // Connection failures keep the useful part ("connect ECONNREFUSED ...") in `cause`.
  return error.cause instanceof Error && error.cause.message !== ""
    ? `${error.message} (${error.cause.message})`
    : error.message;
}

/**
 * Message for a failed call to an HTTP model API through a Stainless-generated SDK (Anthropic,
 * OpenAI): their errors carry the HTTP `status`.
 */
export function describeHttpApiFailure(api: string, endpoint: string, error: unknown): string {
  const status =
    typeof error === "object" && error !== null && "status" in error && typeof error.status === "number"
      ? error.status
      : undefined;
  const detail = describeError(error);
  return status === undefined
    ? `${api} at ${endpoint} failed: ${detail}`
    : `${api} at ${endpoint} answered HTTP ${status}: ${detail}`;
}

/** `end_turn` → `end-turn`: provider stop reasons in the result's vocabulary. */
export function toStopReason(
  providerReason: string | null | undefined,
  completedReasons: readonly string[],
): string {
  if (!providerReason || completedReasons.includes(providerReason)) {
    return "completed";
  }
  return providerReason.replaceAll("_", "-");
}
