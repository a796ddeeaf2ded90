/**
 * Audit metrics as CloudWatch EMF (Powertools Metrics): finding counts per code (dimension `code`), by severity,
 * blocks, bytes and meta.json reads. The construct alarms on `AuditCriticalFindings > 0`.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type BucketAuditReport, FINDING_CODES } from '../domain/audit/findings';

export interface AuditMetricsSink {
  record(report: BucketAuditReport): void;
}

/** Metric names the construct's alarm and dashboards use. */
export const AUDIT_METRICS = {
  critical: 'AuditCriticalFindings',
  warning: 'AuditWarningFindings',
  findingsByCode: 'AuditFindings',
  blocks: 'AuditBlocks',
  bytes: 'AuditBucketBytes',
  metaReads: 'AuditMetaJsonReads',
} as const;

export class PowertoolsAuditMetrics implements AuditMetricsSink {
  constructor(private readonly metrics: Metrics) {}

  record(report: BucketAuditReport): void {
    const m = this.metrics;
    m.addMetric(AUDIT_METRICS.critical, MetricUnit.Count, report.counts.bySeverity.critical);
    m.addMetric(AUDIT_METRICS.warning, MetricUnit.Count, report.counts.bySeverity.warning);
    m.addMetric(AUDIT_METRICS.blocks, MetricUnit.Count, report.inventory.blocks);
    m.addMetric(AUDIT_METRICS.bytes, MetricUnit.Bytes, report.inventory.bytes);
    m.addMetric(AUDIT_METRICS.metaReads, MetricUnit.Count, report.reads.metaJson);
    for (const code of FINDING_CODES) {
      const single = m.singleMetric();
      single.addDimension('code', code);
      single.addMetric(AUDIT_METRICS.findingsByCode, MetricUnit.Count, report.counts.byCode[code]);
    }
  }
}
