import { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import type { MetricUnit as PowertoolsUnit } from "@aws-lambda-powertools/metrics/types";
import { METRICS_NAMESPACE } from "#core/metric-names.ts";
import type { Metrics, MetricUnit } from "#core/ports.ts";

interface PendingMetric {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
}

/**
 * The dimension sets a metric is published under, besides `service` (which Powertools adds to every
 * set), given the dimensions the core passed:
 * - always the stage-wide series (`{service}` alone), which every alarm reads: their number and
 *   cost do not grow with the jobs;
 * - the dimensions other than `jobId` (`{service, phase}`, `{service, consumer}`), when there are any;
 * - every dimension, `jobId` included, only when the stage asks for per-job series.
 */
export function dimensionSetsOf(
  dimensions: Readonly<Record<string, string>>,
  perJobMetrics: boolean,
): Record<string, string>[] {
  const { jobId, ...shared } = dimensions;
  const sets: Record<string, string>[] = [{}];
  if (Object.keys(shared).length > 0) sets.push(shared);
  if (jobId !== undefined && perJobMetrics) sets.push({ ...dimensions });
  return sets;
}

/**
 * The Metrics port as CloudWatch Embedded Metric Format through Powertools Metrics. EMF needs every
 * metric in one blob to share its dimension sets, so metrics are grouped by the dimensions they were
 * added with and each group is published as its own blob on flush, under the sets
 * {@link dimensionSetsOf} gives. A job id that is not a dimension is kept in the blob as a plain
 * field, so the log line still names the job. The alarms in infra/ read exactly these sets.
 */
export function createEmfMetrics(options: {
  serviceName: string;
  namespace?: string;
  /** @default false */
  perJobMetrics?: boolean;
}): Metrics {
  const groups = new Map<string, { dimensions: Record<string, string>; metrics: PendingMetric[] }>();
  return {
    add(name, value, unit, dimensions = {}) {
      const key = JSON.stringify(Object.entries(dimensions).sort());
      const group = groups.get(key) ?? { dimensions: { ...dimensions }, metrics: [] };
      group.metrics.push({ name, value, unit });
      groups.set(key, group);
    },
    flush() {
      for (const group of groups.values()) {
        const emitter = new PowertoolsMetrics({
          namespace: options.namespace ?? METRICS_NAMESPACE,
          serviceName: options.serviceName,
        });
        const sets = dimensionSetsOf(group.dimensions, options.perJobMetrics ?? false);
        for (const set of sets) emitter.addDimensions(set);
        const { jobId } = group.dimensions;
        if (jobId !== undefined && !sets.some((set) => "jobId" in set)) emitter.addMetadata("jobId", jobId);
        for (const metric of group.metrics)
          emitter.addMetric(metric.name, metric.unit as PowertoolsUnit, metric.value);
        emitter.publishStoredMetrics();
      }
      groups.clear();
    },
  };
}
