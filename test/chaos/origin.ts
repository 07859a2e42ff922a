import { AsyncLocalStorage } from "node:async_hooks";

/** The simulated Lambda functions of the stack. */
export type FunctionName = "dispatch" | "turn" | "sweep";

/**
 * One simulated Lambda invocation. Everything it starts — requests, timers, the promise chains
 * behind them — carries it (AsyncLocalStorage), so the simulation knows which invocation a request
 * came from, and can tell when one comes from an invocation that already returned or was killed.
 */
export interface Invocation {
  readonly kind: "invocation";
  readonly id: number;
  readonly fn: FunctionName;
  readonly startedAt: number;
  /** When the function's timeout kills it, if it is still running. */
  readonly timeoutAt: number;
  /** What it was given, for reports: a run id, a batch of fires... */
  readonly label: string;
  state: "running" | "returned" | "killed";
  endedAt?: number;
}

/** Work done by the simulated AWS services themselves (EventBridge, the event source mappings). */
export interface ServiceOrigin {
  readonly kind: "service";
  readonly name: string;
}

export type Origin = Invocation | ServiceOrigin;

const storage = new AsyncLocalStorage<Origin>();

/** The invocation (or service) the current code runs for. */
export function currentOrigin(): Origin | undefined {
  return storage.getStore();
}

/** Runs `work` (and everything it starts) on behalf of `origin`. */
export function runAs<T>(origin: Origin, work: () => T): T {
  return storage.run(origin, work);
}

/** Describes an origin in one short phrase: `turn #12 (run 01J...)`, `service fires-esm`. */
export function describeOrigin(origin: Origin | undefined): string {
  if (!origin) return "(unknown)";
  return origin.kind === "service"
    ? `service ${origin.name}`
    : `${origin.fn} #${origin.id} (${origin.label})`;
}
