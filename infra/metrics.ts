import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { METRICS_NAMESPACE } from "#core/metric-names.ts";
import { serviceNameOf } from "./naming.ts";

/**
 * agentcron's own metrics as CloudWatch sees them: EMF through Powertools, namespace `agentcron`,
 * every metric under `{service}` (stage-wide; what the alarms read), metrics with other dimensions
 * also under those (`{service, phase}`, `{service, consumer}`), and per-job series `{service, jobId}`
 * only when the stage publishes them (`perJobMetrics`). `service` is POWERTOOLS_SERVICE_NAME =
 * `agentcron-<stage>` (adapters/metrics/emf-metrics.ts).
 */
export function agentcronMetric(
  stage: string,
  metricName: string,
  options: { dimensions?: Record<string, string>; statistic?: string; period?: Duration } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: serviceNameOf(stage), ...options.dimensions },
    statistic: options.statistic ?? cloudwatch.Stats.SUM,
    period: options.period ?? Duration.minutes(5),
  });
}

/**
 * One series per job for a per-job metric (dashboards only: alarms cannot use SEARCH; and only
 * stages with `perJobMetrics` publish such series). Dimension names in the schema must be exactly
 * those the metric is published with.
 */
export function perJobSearch(
  stage: string,
  metricName: string,
  statistic: string,
  options: { extraDimensions?: readonly string[]; period?: Duration } = {},
): cloudwatch.SearchExpression {
  const dimensions = ["jobId", ...(options.extraDimensions ?? []), "service"].sort().join(",");
  const period = (options.period ?? Duration.minutes(5)).toSeconds();
  return new cloudwatch.SearchExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${dimensions}} MetricName="${metricName}" service="${serviceNameOf(stage)}"', '${statistic}', ${period})`,
    period: Duration.seconds(period),
  });
}
