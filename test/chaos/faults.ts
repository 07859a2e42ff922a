import type { Prng } from "./prng.ts";

/**
 * The injected faults, as the application sees them: failures that escaped the SDK's own retries.
 * - `throttled`: refused before it was sent (nothing applied);
 * - `internal-error` / `timeout`: sent and applied, then reported failed (HTTP 500, or no answer in
 *   time) — the client cannot tell whether it took effect.
 */
export type FaultKind = "throttled" | "internal-error" | "timeout";

export interface FaultRates {
  /** Share of application requests throttled before they are sent. @default 0.10 */
  readonly throttled: number;
  /** Share sent and applied, then reported failed (half 500s, half time-outs). @default 0.05 */
  readonly ambiguous: number;
  /**
   * Share of the requests of dispatch and sweep invocations after which the invocation's process
   * crashes (the request was applied; nothing after it happens). Off by default (`--crash-rate`).
   */
  readonly crash: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = { throttled: 0.1, ambiguous: 0.05, crash: 0 };
export const NO_FAULTS: FaultRates = { throttled: 0, ambiguous: 0, crash: 0 };

/** The functions a crash may hit: their work is all redone by a redelivery or the next sweep. */
export const CRASHABLE_FUNCTIONS: ReadonlySet<string> = new Set(["dispatch", "sweep"]);

/** One draw per application request: which fault it meets, if any. */
export function drawFault(random: Prng, rates: FaultRates): FaultKind | undefined {
  const draw = random.next();
  if (draw < rates.throttled) return "throttled";
  if (draw < rates.throttled + rates.ambiguous) return random.chance(0.5) ? "internal-error" : "timeout";
  return undefined;
}

/**
 * The error the SDK would raise for `kind` on `service`'s `operation`: the same name, status and
 * retryable marks the SDK's exceptions carry, so the application classifies it as it would in AWS.
 */
export function faultError(kind: FaultKind, service: "dynamodb" | "sqs", operation: string, random: Prng) {
  switch (kind) {
    case "throttled": {
      const name =
        service === "dynamodb"
          ? random.pick(["ThrottlingException", "ProvisionedThroughputExceededException"])
          : "ThrottlingException";
      return sdkError(name, `Rate of requests exceeds the allowed throughput (${operation})`, 400, {
        $retryable: { throttling: true },
      });
    }
    case "internal-error":
      return sdkError("InternalServerError", `Internal server error (${operation})`, 500, { $retryable: {} });
    case "timeout":
      // The SDK's HTTP handler gives up waiting: no response, so no status either.
      return sdkError("TimeoutError", `Connection timed out after 3000 ms (${operation})`, undefined, {});
  }
}

function sdkError(name: string, message: string, status: number | undefined, extra: Record<string, unknown>) {
  const error = new Error(message);
  error.name = name;
  Object.assign(error, {
    $fault: status !== undefined && status < 500 ? "client" : "server",
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
    ...extra,
  });
  return error;
}
