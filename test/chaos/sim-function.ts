import type { History, KillReason } from "./history.ts";
import { type FunctionName, type Invocation, runAs, type ServiceOrigin } from "./origin.ts";
import type { SimClock } from "./sim-clock.ts";
import type { SimNetwork } from "./sim-network.ts";

export type InvocationResult<R> =
  | { readonly kind: "returned"; readonly value: R }
  | { readonly kind: "threw"; readonly error: unknown }
  /** Still running at the function's timeout, or its process crashed: Lambda reports a failure. */
  | { readonly kind: "killed" };

const LAMBDA_SERVICE: ServiceOrigin = { kind: "service", name: "lambda" };

/**
 * The invocations of every simulated function: their ids, how many are in flight, and how to stop
 * one from outside (its timeout, or a crash the network injects).
 */
export class InvocationTracker {
  private nextId = 1;
  private readonly killers = new Map<Invocation, (reason: KillReason) => void>();
  running = 0;
  /** Bumped when an invocation starts or ends; the scheduler uses it to see that work unfolds. */
  activity = 0;

  open(fn: FunctionName, startedAt: number, timeoutMs: number, label: string): Invocation {
    this.running++;
    this.activity++;
    return {
      kind: "invocation",
      id: this.nextId++,
      fn,
      startedAt,
      timeoutAt: startedAt + timeoutMs,
      label,
      state: "running",
    };
  }

  onKill(invocation: Invocation, kill: (reason: KillReason) => void): void {
    this.killers.set(invocation, kill);
  }

  /** Stops a running invocation the way Lambda does: nothing it does afterwards happens. */
  kill(invocation: Invocation, reason: KillReason): void {
    this.killers.get(invocation)?.(reason);
  }

  close(invocation: Invocation, state: "returned" | "killed", at: number): void {
    invocation.state = state;
    invocation.endedAt = at;
    this.killers.delete(invocation);
    this.running--;
    this.activity++;
  }
}

/**
 * A Lambda function: each invocation runs the real handler in its own async context (so its
 * requests and timers are attributed to it), and is killed if it is still running at the function's
 * timeout (or when the network crashes it) — its pending and later requests are never sent, its
 * timers are discarded, and the caller (an event source mapping, EventBridge) sees it fail. Each
 * kill is recorded.
 */
export class SimFunction<E, R> {
  constructor(
    readonly name: FunctionName,
    readonly timeoutMs: number,
    private readonly handler: (event: E) => Promise<R>,
    private readonly sim: {
      clock: SimClock;
      network: SimNetwork;
      history: History;
      tracker: InvocationTracker;
    },
  ) {}

  invoke(event: E, label: string): Promise<InvocationResult<R>> {
    const { clock, network, history, tracker } = this.sim;
    const invocation = tracker.open(this.name, clock.now(), this.timeoutMs, label);
    history.invocations[this.name]++;
    return new Promise((resolve) => {
      const kill = (reason: KillReason) => {
        if (invocation.state !== "running") return;
        tracker.close(invocation, "killed", clock.now());
        network.dropRequestsOf(invocation);
        history.killed(invocation, reason, clock.now());
        resolve({ kind: "killed" });
      };
      tracker.onKill(invocation, kill);
      const cancelTimeout = clock.schedule(invocation.timeoutAt, LAMBDA_SERVICE, () => kill("timeout"));
      const work = runAs(invocation, () => {
        try {
          return Promise.resolve(this.handler(event));
        } catch (error) {
          return Promise.reject(error);
        }
      });
      const finish = (result: InvocationResult<R>) => {
        if (invocation.state !== "running") return;
        tracker.close(invocation, "returned", clock.now());
        cancelTimeout();
        if (result.kind === "threw") history.threw[this.name]++;
        resolve(result);
      };
      work.then(
        (value) => finish({ kind: "returned", value }),
        (error: unknown) => finish({ kind: "threw", error }),
      );
    });
  }
}
