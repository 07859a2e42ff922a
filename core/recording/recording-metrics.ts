import type { Metrics, MetricUnit } from "../ports.ts";

/** The Metrics port kept in memory: tests assert on it, benchmarks count with it. */
export class RecordingMetrics implements Metrics {
  readonly recorded: { name: string; value: number; unit: MetricUnit; dimensions: Record<string, string> }[] =
    [];
  add(
    name: string,
    value: number,
    unit: MetricUnit,
    dimensions: Readonly<Record<string, string>> = {},
  ): void {
    this.recorded.push({ name, value, unit, dimensions: { ...dimensions } });
  }
  flush(): void {}
  /** Sum of a metric's values, optionally for one job. */
  total(name: string, jobId?: string): number {
    return this.recorded
      .filter((metric) => metric.name === name && (jobId === undefined || metric.dimensions.jobId === jobId))
      .reduce((sum, metric) => sum + metric.value, 0);
  }
}
