import { afterEach, describe, expect, it } from "vitest";
import { a2aHarness, a2aOptionsSchema } from "#adapters/harnesses/a2a.ts";
import { HarnessAbortedError, HarnessFailedError } from "#core/agents/harness.ts";
import {
  type LoopbackReply,
  type RecordedRequest,
  startLoopbackServer,
} from "#test/support/agents/loopback-server.ts";
import { turnInput } from "#test/support/agents/turn-input.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

interface JsonRpcRequest {
  readonly id: string;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/** A remote agent speaking A2A JSON-RPC on loopback; `answer` gives each method's result. */
async function remoteAgent(answer: (request: JsonRpcRequest, index: number) => unknown) {
  const server = await startLoopbackServer((request: RecordedRequest, index): LoopbackReply => {
    const rpc = request.body as JsonRpcRequest;
    const result = answer(rpc, index);
    return result === "hang" ? "hang" : { json: { jsonrpc: "2.0", id: rpc.id, ...(result as object) } };
  });
  cleanups.push(() => server.close());
  return server;
}

function methodsOf(requests: readonly RecordedRequest[]): string[] {
  return requests.map((request) => (request.body as JsonRpcRequest).method);
}

function task(state: string, extra: Record<string, unknown> = {}) {
  return { result: { kind: "task", id: "task-7", contextId: "ctx-1", status: { state }, ...extra } };
}

describe("a2a harness", () => {
  it("sends the prompt with message/send and returns the agent's Message", async () => {
    // Prepare
    const agent = await remoteAgent(() => ({
      result: {
        kind: "message",
        role: "agent",
        messageId: "m-2",
        parts: [{ kind: "text", text: "Order 42 shipped." }],
      },
    }));
    const options = a2aOptionsSchema.parse({
      url: `${agent.url}/a2a`,
      headers: { "x-tenant": "acme" },
      authTokenRef: "env:AGENT_TOKEN",
    });

    // Act
    const result = await a2aHarness.run(turnInput(options, { env: { AGENT_TOKEN: "a2a-token" } }));

    // Assess
    expect(result).toEqual({
      output: "Order 42 shipped.",
      provider: "a2a",
      toolCalls: 0,
      stopReason: "completed",
    });
    const [request] = agent.requests;
    expect(request?.headers.authorization).toBe("Bearer a2a-token");
    expect(request?.headers["x-tenant"]).toBe("acme");
    expect(request?.body).toMatchObject({
      jsonrpc: "2.0",
      method: "message/send",
      params: {
        message: {
          role: "user",
          kind: "message",
          messageId: expect.any(String),
          parts: [{ kind: "text", text: "What is the status of order 42?" }],
        },
      },
    });
  });

  it("polls a working Task with tasks/get until it completes and returns its artifacts", async () => {
    // Prepare: working → working → completed
    const agent = await remoteAgent((request, index) => {
      if (request.method === "message/send") return task("working");
      return index < 2
        ? task("working")
        : task("completed", {
            artifacts: [{ artifactId: "a1", parts: [{ kind: "text", text: "Report: all orders shipped." }] }],
          });
    });
    const options = a2aOptionsSchema.parse({ url: agent.url, pollIntervalMs: 50 });

    // Act
    const result = await a2aHarness.run(turnInput(options));

    // Assess
    expect(result.output).toBe("Report: all orders shipped.");
    expect(methodsOf(agent.requests)).toEqual(["message/send", "tasks/get", "tasks/get"]);
    expect(agent.requests[1]?.body).toMatchObject({ params: { id: "task-7" } });
  });

  it("cancels the remote task when the turn is stopped while it works", async () => {
    // Prepare: the turn is stopped while the harness polls the working task.
    const controller = new AbortController();
    const agent = await remoteAgent((request) => {
      if (request.method === "tasks/cancel") return task("canceled");
      if (request.method === "tasks/get") controller.abort(new Error("phase agent-turn timed out"));
      return task("working");
    });

    // Act
    const outcome = await a2aHarness
      .run(
        turnInput(a2aOptionsSchema.parse({ url: agent.url, pollIntervalMs: 50 }), {
          signal: controller.signal,
        }),
      )
      .catch((error) => error);

    // Assess
    expect(outcome).toBeInstanceOf(HarnessAbortedError);
    expect((outcome as Error).message).toContain("phase agent-turn timed out");
    expect(methodsOf(agent.requests).at(-1)).toBe("tasks/cancel");
    expect(agent.requests.at(-1)?.body).toMatchObject({ params: { id: "task-7" } });
  });

  it("fails when the task ends failed, with the agent's status message", async () => {
    const agent = await remoteAgent(() =>
      task("failed", {
        status: {
          state: "failed",
          message: { role: "agent", parts: [{ kind: "text", text: "CRM is down" }] },
        },
      }),
    );

    const outcome = a2aHarness.run(turnInput(a2aOptionsSchema.parse({ url: agent.url })));

    await expect(outcome).rejects.toThrow(HarnessFailedError);
    await expect(outcome).rejects.toThrow(/ended task task-7 as failed: CRM is down/);
  });

  it("fails and cancels when the agent asks for input a scheduled turn cannot give", async () => {
    const agent = await remoteAgent((request) =>
      request.method === "tasks/cancel" ? task("canceled") : task("input-required"),
    );

    const outcome = await a2aHarness
      .run(turnInput(a2aOptionsSchema.parse({ url: agent.url })))
      .catch((error) => error);

    expect(outcome).toBeInstanceOf(HarnessFailedError);
    expect((outcome as Error).message).toContain("input-required");
    expect(methodsOf(agent.requests)).toEqual(["message/send", "tasks/cancel"]);
  });

  it("fails with the JSON-RPC error the agent answers", async () => {
    const agent = await remoteAgent(() => ({ error: { code: -32601, message: "Method not found" } }));

    await expect(a2aHarness.run(turnInput(a2aOptionsSchema.parse({ url: agent.url })))).rejects.toThrow(
      /JSON-RPC error -32601: Method not found/,
    );
  });

  it("fails naming the agent's address when nothing listens there", async () => {
    // Prepare: a port that was just free
    const closed = await startLoopbackServer(() => ({ json: {} }));
    await closed.close();

    // Act
    const outcome = a2aHarness.run(turnInput(a2aOptionsSchema.parse({ url: closed.url })));

    // Assess
    await expect(outcome).rejects.toThrow(HarnessFailedError);
    await expect(outcome).rejects.toThrow(
      /could not be reached for message\/send: fetch failed \(.*ECONNREFUSED/,
    );
  });
});
