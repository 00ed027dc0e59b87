/**
 * Powertools logger (JSON lines carrying the request id and, per object, its bucket/key) and metrics (EMF, flushed by
 * the handler at the end of each invocation). Both read their POWERTOOLS_* variables themselves.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SourceReport } from '../core/scan.ts';

/** Logger and metrics of one function. */
export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
}

/** Default service/namespace when POWERTOOLS_* are unset (local runs). */
const SERVICE = 'sysmon-s3-detect';

/** Creates the function's logger and metrics. */
export function createTelemetry(): Telemetry {
  return {
    logger: new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE }),
    metrics: new Metrics({
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? SERVICE,
    }),
  };
}

/** Per-object EMF metrics: objects, bytes, events, problems, rows, duration (and failures). */
export function recordObjectMetrics(metrics: Metrics, report: SourceReport, rows: number): void {
  const problems = Object.values(report.problems).reduce((sum, n) => sum + (n ?? 0), 0);
  metrics.addMetric('ObjectsScanned', MetricUnit.Count, 1);
  metrics.addMetric('BytesRead', MetricUnit.Bytes, report.bytesIn);
  metrics.addMetric('BytesDecoded', MetricUnit.Bytes, report.bytesDecoded);
  metrics.addMetric('Events', MetricUnit.Count, report.events);
  metrics.addMetric('ProcessEvents', MetricUnit.Count, report.processEvents);
  metrics.addMetric('Problems', MetricUnit.Count, problems);
  metrics.addMetric('Rows', MetricUnit.Count, rows);
  metrics.addMetric('ScanDuration', MetricUnit.Milliseconds, report.durationMs);
  if (report.status === 'failed') metrics.addMetric('ObjectsFailed', MetricUnit.Count, 1);
  if (report.status === 'interrupted') metrics.addMetric('ObjectsInterrupted', MetricUnit.Count, 1);
}
