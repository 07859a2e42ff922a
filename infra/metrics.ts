import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { METRICS_NAMESPACE } from "#core/metric-names.ts";
import { serviceNameOf } from "./naming.ts";

/**
 * agentcron's own metrics as CloudWatch sees them: EMF through Powertools, namespace `agentcron`,
 * dimension sets `{service}` (global) and `{service, jobId}` (per job), where `service` is
 * POWERTOOLS_SERVICE_NAME = `agentcron-<stage>` (adapters/metrics/emf-metrics.ts).
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
 * Sum of a metric over every value of the extra dimensions (every job, every consumer), as one
 * series: a CloudWatch Metrics Insights query, which alarms accept. It covers jobs applied with the
 * CLI after the deployment too, which a per-job metric list fixed at synth would miss.
 */
export function agentcronMetricTotal(
  stage: string,
  metricName: string,
  extraDimensions: readonly string[],
  options: { period?: Duration; label?: string } = {},
): cloudwatch.MathExpression {
  const schema = [`"${METRICS_NAMESPACE}"`, ...[...extraDimensions, "service"].sort()].join(", ");
  return new cloudwatch.MathExpression({
    expression: `SELECT SUM(${metricName}) FROM SCHEMA(${schema}) WHERE service = '${serviceNameOf(stage)}'`,
    period: options.period ?? Duration.minutes(5),
    label: options.label ?? metricName,
  });
}

/**
 * One series per job for a per-job metric (dashboards only: alarms cannot use SEARCH). Dimension
 * names in the schema must be exactly those the metric is published with.
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
