import type { Logger } from "#core/logger.ts";
import type { Metrics } from "#core/ports.ts";
import { currentOrigin, describeOrigin } from "./origin.ts";
import type { SimClock } from "./sim-clock.ts";

/** The Metrics port, summed by metric name: the summary reports retries, re-handoffs, takeovers. */
export class CountingMetrics implements Metrics {
  readonly totals = new Map<string, number>();
  add(name: string, value: number): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }
  flush(): void {}
  total(name: string): number {
    return this.totals.get(name) ?? 0;
  }
}

/**
 * The Logger port: silent, or (`--verbose`) every warning and error on stderr with the simulated
 * time and the invocation it came from — what you read when a seed shows a violation.
 */
export function simLogger(clock: SimClock, verbose: boolean, fields: Record<string, unknown> = {}): Logger {
  const write = (level: string, message: string, extra?: Record<string, unknown>) => {
    if (!verbose) return;
    const at = new Date(clock.now()).toISOString().slice(11, 23);
    process.stderr.write(
      `${at} ${level.padEnd(5)} [${describeOrigin(currentOrigin())}] ${message} ${JSON.stringify({ ...fields, ...extra })}\n`,
    );
  };
  return {
    debug() {},
    info: (message, extra) => write("info", message, extra),
    warn: (message, extra) => write("warn", message, extra),
    error: (message, extra) => write("error", message, extra),
    child: (more) => simLogger(clock, verbose, { ...fields, ...more }),
  };
}
