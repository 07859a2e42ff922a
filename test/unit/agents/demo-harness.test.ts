import { describe, expect, it } from "vitest";
import { demoHarness, demoOptionsSchema, failsAtRate } from "#adapters/harnesses/demo.ts";
import { HarnessAbortedError, HarnessFailedError } from "#core/agents/harness.ts";
import type { AgentTool } from "#core/agents/tool.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";
import { PROMPTLY_MS } from "#test/support/wait.ts";

function recordingTool(name: string, answer: string): AgentTool & { calls: Record<string, unknown>[] } {
  const calls: Record<string, unknown>[] = [];
  return {
    name,
    description: `test tool ${name}`,
    inputSchema: { type: "object" },
    calls,
    async call(args) {
      calls.push(args);
      return { content: answer, isError: false };
    },
  };
}

describe("demo harness", () => {
  it("renders the output template with the prompt, job, run and tools", async () => {
    // Prepare
    const options = demoOptionsSchema.parse({ output: "{jobId}/{runId} [{tools}] {prompt}" });
    const tool = recordingTool("orders__lookup_order", "unused");

    // Act
    const result = await demoHarness.run(turnInput(options, { prompt: "hello {runId}", tools: [tool] }));

    // Assess
    expect(result).toMatchObject({
      output: "job-test/run-test [orders__lookup_order] hello {runId}",
      provider: "demo",
      stopReason: "completed",
      toolCalls: 0,
    });
  });

  it("stops a delay as soon as the turn's signal aborts", async () => {
    // Prepare
    const options = demoOptionsSchema.parse({ delayMs: 600_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("phase agent-turn timed out")), 50);
    const startedAt = Date.now();

    // Act
    const outcome = await demoHarness
      .run(turnInput(options, { signal: controller.signal }))
      .catch((error) => error);

    // Assess
    expect(outcome).toBeInstanceOf(HarnessAbortedError);
    expect((outcome as Error).message).toContain("phase agent-turn timed out");
    expect(Date.now() - startedAt).toBeLessThan(PROMPTLY_MS); // not the 10-minute delay
  });

  it("stops at deadlineAt even when the turn's signal never aborts", async () => {
    const options = demoOptionsSchema.parse({ delayMs: 10_000 });

    const outcome = demoHarness.run(turnInput(options, { deadlineAt: Date.now() + 100 }));

    await expect(outcome).rejects.toThrow(HarnessAbortedError);
    await expect(outcome).rejects.toThrow(/deadline .* was reached/);
  });

  it("keeps going after an abort when ignoreAbort is set", async () => {
    const options = demoOptionsSchema.parse({ delayMs: 200, ignoreAbort: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);

    const result = await demoHarness.run(turnInput(options, { signal: controller.signal }));

    expect(result.stopReason).toBe("completed");
    expect(controller.signal.aborted).toBe(true);
  });

  it("calls the requested tools through the turn's tools and reports their results", async () => {
    // Prepare
    const tool = recordingTool("orders__lookup_order", "Order 42: shipped");
    const options = demoOptionsSchema.parse({
      output: "{toolResults}",
      callTools: [{ tool: "orders__lookup_order", args: { orderId: "42" } }],
    });

    // Act
    const result = await demoHarness.run(turnInput(options, { tools: [tool] }));

    // Assess
    expect(tool.calls).toEqual([{ orderId: "42" }]);
    expect(result.output).toBe("orders__lookup_order: Order 42: shipped");
    expect(result.toolCalls).toBe(1);
  });

  it("fails loudly when asked to call a tool the turn does not offer", async () => {
    const options = demoOptionsSchema.parse({ callTools: [{ tool: "orders__lookup_order" }] });

    const outcome = demoHarness.run(turnInput(options, { tools: [] }));

    await expect(outcome).rejects.toThrow(HarnessFailedError);
    await expect(outcome).rejects.toThrow(/orders__lookup_order/);
  });

  it("fails with the configured message", async () => {
    const options = demoOptionsSchema.parse({ fail: "model quota exhausted" });

    await expect(demoHarness.run(turnInput(options))).rejects.toThrow("model quota exhausted");
  });

  it("decides failRate failures from the run id, the same way every time", async () => {
    // Prepare
    const options = demoOptionsSchema.parse({ failRate: 0.3 });
    const runIds = Array.from({ length: 1_000 }, (_, index) => `run-${index}`);

    // Act
    const firstPass = await Promise.all(
      runIds.map((runId) =>
        demoHarness.run(turnInput(options, { runId })).then(
          () => false,
          () => true,
        ),
      ),
    );
    const secondPass = runIds.map((runId) => failsAtRate(runId, 0.3));

    // Assess
    expect(firstPass).toEqual(secondPass);
    const failures = firstPass.filter(Boolean).length;
    expect(failures).toBeGreaterThan(250);
    expect(failures).toBeLessThan(350);
  });

  it("blocks the event loop for blockEventLoopMs", async () => {
    // Prepare
    const options = demoOptionsSchema.parse({ blockEventLoopMs: 150 });
    let timerFiredAt = 0;
    const startedAt = Date.now();
    setTimeout(() => {
      timerFiredAt = Date.now();
    }, 10);

    // Act
    await demoHarness.run(turnInput(options));
    await new Promise((resolve) => setTimeout(resolve, 0));

    // Assess: the 10 ms timer could only fire after the busy loop
    expect(timerFiredAt - startedAt).toBeGreaterThanOrEqual(150);
  });
});
