import {
  type Harness,
  HarnessAbortedError,
  HarnessFailedError,
  type HarnessTurnInput,
} from "#core/agents/harness.ts";
import type { ToolCallResult } from "#core/agents/tool.ts";
import { abortableDelay, boundedTurnSignal, describeAbortReason } from "./abort.ts";
import { type DemoOptions, demoDescriptor } from "./demo-options.ts";
import { callToolWithinLimits } from "./tool-loop.ts";

export { type DemoOptions, demoOptionsSchema } from "./demo-options.ts";

const DEMO_TOOL_CALL_TIMEOUT_SECONDS = 30;

/**
 * The `demo` harness: deterministic and offline, for the local quickstart and tests. Order of a
 * turn: block the event loop, wait `delayMs`, call `callTools`, then fail or answer.
 *
 * @throws HarnessAbortedError when the turn is stopped, or `deadlineAt` passes, during the delay or
 *   a tool call (unless `ignoreAbort`).
 * @throws HarnessFailedError when `fail` is set, when the run falls within `failRate`, or when a
 *   tool in `callTools` is not offered to the turn.
 */
export const demoHarness: Harness<DemoOptions> = {
  ...demoDescriptor,
  async run(input) {
    const { options } = input;
    const turn = options.ignoreAbort ? undefined : boundedTurnSignal(input);
    const signal = turn?.signal ?? new AbortController().signal;
    try {
      if (options.blockEventLoopMs > 0) {
        blockEventLoop(options.blockEventLoopMs);
      }
      if (options.delayMs > 0) {
        await abortableDelay(options.delayMs, signal, input.clock);
      }
      const toolResults = await callRequestedTools(input, signal);

      if (options.fail !== false) {
        throw new HarnessFailedError(
          options.fail === true ? `demo harness failed as configured (run ${input.runId})` : options.fail,
        );
      }
      if (failsAtRate(input.runId, options.failRate)) {
        throw new HarnessFailedError(
          `demo harness failed run ${input.runId}: it falls within failRate ${options.failRate}`,
        );
      }
      return {
        output: renderOutput(input, toolResults),
        provider: "demo",
        model: input.model ?? "demo",
        usage: { inputTokens: input.prompt.length, outputTokens: 0 },
        toolCalls: toolResults.length,
        stopReason: "completed",
      };
    } catch (error) {
      if (signal.aborted) {
        throw new HarnessAbortedError(`demo turn stopped: ${describeAbortReason(signal.reason)}`, {
          output: "",
          provider: "demo",
          toolCalls: 0,
          stopReason: "aborted",
        });
      }
      throw error;
    } finally {
      turn?.dispose();
    }
  },
};

interface DemoToolResult {
  readonly tool: string;
  readonly result: ToolCallResult;
}

async function callRequestedTools(input: HarnessTurnInput<DemoOptions>, signal: AbortSignal) {
  const results: DemoToolResult[] = [];
  for (const { tool: name, args } of input.options.callTools) {
    const tool = input.tools.find((candidate) => candidate.name === name);
    if (!tool) {
      throw new HarnessFailedError(
        `demo harness was asked to call tool "${name}", but the turn offers: ${input.tools.map((t) => t.name).join(", ") || "no tools"}`,
      );
    }
    results.push({
      tool: name,
      result: await callToolWithinLimits(tool, args, signal, DEMO_TOOL_CALL_TIMEOUT_SECONDS),
    });
  }
  return results;
}

function renderOutput(input: HarnessTurnInput<DemoOptions>, toolResults: readonly DemoToolResult[]): string {
  const values: Record<string, string> = {
    prompt: input.prompt,
    jobId: input.jobId,
    runId: input.runId,
    tools: input.tools.map((tool) => tool.name).join(", "),
    toolResults: toolResults
      .map(({ tool, result }) => `${tool}${result.isError ? " (error)" : ""}: ${result.content}`)
      .join("\n"),
  };
  // One pass, so a prompt containing "{runId}" is not expanded a second time.
  return input.options.output.replace(
    /\{(prompt|jobId|runId|tools|toolResults)\}/g,
    (_, key: string) => values[key] ?? "",
  );
}

/** Deterministic per run id: FNV-1a of the run id mapped to [0, 1). */
export function failsAtRate(runId: string, failRate: number): boolean {
  if (failRate <= 0) {
    return false;
  }
  let hash = 0x811c9dc5;
  for (let index = 0; index < runId.length; index += 1) {
    hash ^= runId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32 < failRate;
}

function blockEventLoop(durationMs: number): void {
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    // deliberately synchronous: see blockEventLoopMs
  }
}
