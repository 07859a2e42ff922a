import { describe, expect, it } from "vitest";
import {
  callToolWithinLimits,
  MAX_TOOL_RESULT_CHARACTERS,
  type ModelConversation,
  type ModelStep,
  runToolLoop,
  type ToolUseOutcome,
} from "#adapters/harnesses/tool-loop.ts";
import { HarnessAbortedError } from "#core/agents/harness.ts";
import type { AgentTool } from "#core/agents/tool.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";
import { PROMPTLY_MS } from "#test/support/wait.ts";

function tool(name: string, call: AgentTool["call"]): AgentTool {
  return { name, description: name, inputSchema: { type: "object" }, call };
}

/** A model that answers from a script; records the tool results it is given. */
function scriptedConversation(steps: ModelStep[]): ModelConversation & { results: ToolUseOutcome[][] } {
  const results: ToolUseOutcome[][] = [];
  let index = 0;
  return {
    results,
    async next() {
      const step = steps[Math.min(index, steps.length - 1)];
      index += 1;
      if (!step) throw new Error("empty script");
      return step;
    },
    addToolResults(outcomes) {
      results.push([...outcomes]);
    },
  };
}

const settings = {
  provider: "test",
  model: "test-model",
  maxToolCalls: 3,
  toolCallTimeoutSeconds: 5,
  describeFailure: (error: unknown) => `test model failed: ${String(error)}`,
};

describe("tool loop", () => {
  it("turns a tool that throws into an is_error result and keeps the turn going", async () => {
    // Prepare
    const failing = tool("orders__lookup_order", async () => {
      throw new Error("database unreachable");
    });
    const conversation = scriptedConversation([
      { text: "", toolUses: [{ id: "t1", name: "orders__lookup_order", args: {} }], stopReason: "tool-use" },
      { text: "Sorry, the order system is down.", toolUses: [], stopReason: "completed" },
    ]);

    // Act
    const result = await runToolLoop(turnInput({}, { tools: [failing] }), conversation, settings);

    // Assess
    expect(conversation.results[0]?.[0]?.result).toEqual({
      isError: true,
      content: "Tool orders__lookup_order failed: database unreachable",
    });
    expect(result).toMatchObject({
      output: "Sorry, the order system is down.",
      toolCalls: 1,
      stopReason: "completed",
    });
  });

  it("answers a call to an unknown tool with an is_error result naming the available tools", async () => {
    const conversation = scriptedConversation([
      { text: "", toolUses: [{ id: "t1", name: "made_up", args: {} }], stopReason: "tool-use" },
      { text: "done", toolUses: [], stopReason: "completed" },
    ]);
    const known = tool("orders__lookup_order", async () => ({ content: "ok", isError: false }));

    await runToolLoop(turnInput({}, { tools: [known] }), conversation, settings);

    expect(conversation.results[0]?.[0]?.result.isError).toBe(true);
    expect(conversation.results[0]?.[0]?.result.content).toContain("orders__lookup_order");
  });

  it("stops with max-tool-calls once the budget is spent, never exceeding it", async () => {
    // Prepare
    let calls = 0;
    const counting = tool("t", async () => {
      calls += 1;
      return { content: "again", isError: false };
    });
    const conversation = scriptedConversation([
      {
        text: "calling",
        toolUses: [
          { id: "a", name: "t", args: {} },
          { id: "b", name: "t", args: {} },
        ],
        stopReason: "tool-use",
      },
    ]);

    // Act
    const result = await runToolLoop(turnInput({}, { tools: [counting] }), conversation, settings);

    // Assess
    expect(calls).toBe(3);
    expect(result).toMatchObject({ toolCalls: 3, stopReason: "max-tool-calls", output: "calling" });
  });

  it("sums usage over every model response", async () => {
    const noop = tool("t", async () => ({ content: "", isError: false }));
    const conversation = scriptedConversation([
      {
        text: "",
        toolUses: [{ id: "a", name: "t", args: {} }],
        usage: { inputTokens: 10, outputTokens: 3 },
        stopReason: "tool-use",
      },
      { text: "final", toolUses: [], usage: { inputTokens: 20, outputTokens: 5 }, stopReason: "completed" },
    ]);

    const result = await runToolLoop(turnInput({}, { tools: [noop] }), conversation, settings);

    expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 8 });
  });

  it("turns an abort into HarnessAbortedError carrying the output so far", async () => {
    // Prepare
    const controller = new AbortController();
    const stopping = tool("t", async () => {
      controller.abort(new Error("maxRunSeconds ceiling reached"));
      return { content: "late", isError: false };
    });
    const conversation = scriptedConversation([
      { text: "Looking it up", toolUses: [{ id: "a", name: "t", args: {} }], stopReason: "tool-use" },
    ]);

    // Act
    const outcome = await runToolLoop(
      turnInput({}, { tools: [stopping], signal: controller.signal }),
      conversation,
      settings,
    ).catch((error) => error);

    // Assess
    expect(outcome).toBeInstanceOf(HarnessAbortedError);
    expect((outcome as HarnessAbortedError).message).toContain("maxRunSeconds ceiling reached");
    expect((outcome as HarnessAbortedError).partial).toMatchObject({ output: "Looking it up", toolCalls: 1 });
  });
});

describe("callToolWithinLimits", () => {
  it("abandons a tool that ignores its signal at the per-call timeout", async () => {
    // Prepare
    const hanging = tool("slow", () => new Promise(() => {}));
    const startedAt = Date.now();

    // Act
    const result = await callToolWithinLimits(hanging, {}, new AbortController().signal, 0.1);

    // Assess
    expect(result).toEqual({ isError: true, content: "Tool slow timed out after 0.1s." });
    expect(Date.now() - startedAt).toBeLessThan(PROMPTLY_MS); // the tool itself never settles
  });

  it("rethrows when the turn itself is stopped, so the turn ends instead of the model seeing an error", async () => {
    const controller = new AbortController();
    const hanging = tool("slow", () => new Promise(() => {}));
    setTimeout(() => controller.abort(new Error("lease lost")), 20);

    await expect(callToolWithinLimits(hanging, {}, controller.signal, 10)).rejects.toThrow("lease lost");
  });

  it("cuts results longer than the limit and says so", async () => {
    const verbose = tool("verbose", async () => ({
      content: "y".repeat(MAX_TOOL_RESULT_CHARACTERS + 10),
      isError: false,
    }));

    const result = await callToolWithinLimits(verbose, {}, new AbortController().signal, 5);

    expect(result.content.startsWith("y".repeat(MAX_TOOL_RESULT_CHARACTERS))).toBe(true);
    expect(result.content).toContain("[tool result truncated");
  });
});
