/**
 * Audit metrics as CloudWatch EMF (Powertools Metrics): finding counts per code (dimension `code`), by severity,
 * blocks, bytes and meta.json reads; blocks and bytes per resolution (dimension `resolution` = raw|5m|1h); the
 * compactor's compaction and downsampling backlog. Every metric also carries Powertools' `service` dimension.
 * The construct alarms on `AuditCriticalFindings > 0`; the Thanos dashboard reads the rest.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type BucketAuditReport, FINDING_CODES } from '../domain/audit/findings';
import { AUDIT_METRICS } from '../domain/audit/metric-names';
import { RESOLUTIONS } from '../domain/retention';

export interface AuditMetricsSink {
  record(report: BucketAuditReport): void;
}

export { AUDIT_METRICS };

export class PowertoolsAuditMetrics implements AuditMetricsSink {
  constructor(private readonly metrics: Metrics) {}

  record(report: BucketAuditReport): void {
    const m = this.metrics;
    m.addMetric(AUDIT_METRICS.critical, MetricUnit.Count, report.counts.bySeverity.critical);
    m.addMetric(AUDIT_METRICS.warning, MetricUnit.Count, report.counts.bySeverity.warning);
    m.addMetric(AUDIT_METRICS.blocks, MetricUnit.Count, report.inventory.blocks);
    m.addMetric(AUDIT_METRICS.bytes, MetricUnit.Bytes, report.inventory.bytes);
    m.addMetric(AUDIT_METRICS.metaReads, MetricUnit.Count, report.reads.metaJson);
    const { backlog } = report.inventory;
    m.addMetric(AUDIT_METRICS.compactionBacklogBlocks, MetricUnit.Count, backlog.compaction.blocks);
    m.addMetric(AUDIT_METRICS.compactionBacklogBytes, MetricUnit.Bytes, backlog.compaction.bytes);
    m.addMetric(AUDIT_METRICS.downsamplingBacklogBlocks, MetricUnit.Count, backlog.downsampling.blocks);
    m.addMetric(AUDIT_METRICS.downsamplingBacklogBytes, MetricUnit.Bytes, backlog.downsampling.bytes);
    for (const resolution of RESOLUTIONS) {
      // A single metric publishes (and clears its dimensions) at each addMetric: one per metric.
      const blocks = m.singleMetric();
      blocks.addDimension('resolution', resolution);
      blocks.addMetric(
        AUDIT_METRICS.resolutionBlocks,
        MetricUnit.Count,
        report.inventory.blocksByResolution[resolution],
      );
      const bytes = m.singleMetric();
      bytes.addDimension('resolution', resolution);
      bytes.addMetric(AUDIT_METRICS.resolutionBytes, MetricUnit.Bytes, report.inventory.bytesByResolution[resolution]);
    }
    for (const code of FINDING_CODES) {
      const single = m.singleMetric();
      single.addDimension('code', code);
      single.addMetric(AUDIT_METRICS.findingsByCode, MetricUnit.Count, report.counts.byCode[code]);
    }
  }
}
