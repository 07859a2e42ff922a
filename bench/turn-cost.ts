import { dispatchFire } from "#core/fires/dispatch-fire.ts";
import { runTurn, type TurnOutcome } from "#core/turn/run-turn.ts";
import { startMcpHttpServer } from "#test/support/agents/mcp-servers.ts";
import type { BenchEnvironment } from "./environment.ts";
import { benchJob, dispatchDependencies, turnDependencies } from "./fixtures.ts";

export interface TurnCostResult {
  readonly turnSeconds: number;
  readonly outcome: TurnOutcome["kind"];
  readonly status?: string;
  readonly dispatch: { reads: number; writes: number; byOperation: Record<string, number> };
  readonly turn: { reads: number; writes: number; byOperation: Record<string, number> };
  readonly total: { requests: number; readCapacity: number; writeCapacity: number };
}

/**
 * DynamoDB requests for one successful run end to end: dispatch, then a turn with two MCP plugins
 * (real MCP servers on loopback, one tool call each) and a `turnSeconds` agent turn (the demo
 * harness waiting), with the default 60 s lease (a heartbeat every 20 s).
 */
export async function measureTurnCost(env: BenchEnvironment, turnSeconds = 30): Promise<TurnCostResult> {
  const [orders, billing] = await Promise.all([startMcpHttpServer(), startMcpHttpServer()]);
  try {
    const now = env.deps.clock.now();
    const jobId = "two-plugins";
    await env.deps.store.jobs.putJob(
      benchJob(jobId, {
        plugins: [
          { name: "orders", type: "mcp", options: { transport: "streamable-http", url: orders.url } },
          { name: "billing", type: "mcp", options: { transport: "streamable-http", url: billing.url } },
        ],
        timeouts: { agentTurnSeconds: turnSeconds + 30 },
        agent: {
          harness: "demo",
          prompt: "Reconcile order 42",
          options: {
            delayMs: turnSeconds * 1000,
            callTools: [
              { tool: "orders__lookup_order", args: { orderId: "42" } },
              { tool: "billing__lookup_order", args: { orderId: "42" } },
            ],
          },
        },
      }),
      undefined,
      now,
    );
    let message = "";
    env.counter.reset();
    const fired = await dispatchFire(
      { version: 1, jobId, scheduledAt: new Date(now).toISOString(), source: "schedule" },
      dispatchDependencies(env, {
        send: async (body) => {
          message = body;
        },
      }),
    );
    if (fired.kind !== "run") throw new Error(`expected a run, got ${fired.kind}`);
    const dispatch = {
      reads: env.counter.total("read"),
      writes: env.counter.total("write"),
      byOperation: env.counter.snapshot(),
    };
    const capacity = { read: env.counter.readCapacity, write: env.counter.writeCapacity };
    env.counter.reset();
    const outcome = await runTurn(JSON.parse(message), turnDependencies(env));
    const turn = {
      reads: env.counter.total("read"),
      writes: env.counter.total("write"),
      byOperation: env.counter.snapshot(),
    };
    return {
      turnSeconds,
      outcome: outcome.kind,
      status: outcome.kind === "ended" ? outcome.status : undefined,
      dispatch,
      turn,
      total: {
        requests: dispatch.reads + dispatch.writes + turn.reads + turn.writes,
        readCapacity: capacity.read + env.counter.readCapacity,
        writeCapacity: capacity.write + env.counter.writeCapacity,
      },
    };
  } finally {
    await Promise.all([orders.close(), billing.close()]);
  }
}
