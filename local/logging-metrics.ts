import type { Logger } from "#core/logger.ts";
import type { Metrics } from "#core/ports.ts";

/**
 * Metrics for the local runtime: the same names and dimensions as in AWS, written as log lines to
 * its log file rather than as EMF to a terminal the live view owns.
 */
export function createLoggingMetrics(log: Logger): Metrics {
  return {
    add(name, value, unit, dimensions = {}) {
      log.debug("metric", { metric: name, value, unit, ...dimensions });
    },
    flush() {},
  };
}
