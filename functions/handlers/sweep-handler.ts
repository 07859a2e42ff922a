import { type SweepDependencies, type SweepReport, sweep } from "#core/sweep/sweep.ts";

/** The sweep function, run every minute by an EventBridge rule. */
export function createSweepHandler(deps: SweepDependencies) {
  return async (): Promise<SweepReport> => {
    try {
      const report = await sweep(deps);
      deps.log.info("sweep done", { ...report });
      return report;
    } finally {
      deps.metrics.flush();
    }
  };
}
