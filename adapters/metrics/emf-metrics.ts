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
 * The Metrics port as CloudWatch Embedded Metric Format through Powertools Metrics. EMF needs every
 * metric in one blob to share its dimensions, so metrics are grouped by dimension set (e.g.
 * `{service}` and `{service, jobId}`) and each group is published as its own blob on flush.
 * The alarms in infra/ read exactly these dimension sets.
 */
export function createEmfMetrics(options: { serviceName: string; namespace?: string }): Metrics {
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
          defaultDimensions: group.dimensions,
        });
        for (const metric of group.metrics)
          emitter.addMetric(metric.name, metric.unit as PowertoolsUnit, metric.value);
        emitter.publishStoredMetrics();
      }
      groups.clear();
    },
  };
}
