/**
 * Names of the bucket audit's CloudWatch metrics (EMF, lambdas/adapters/audit-metrics.ts): here, in the domain, so
 * the construct's alarm and the Grafana dashboards (lib/) share them with the function. Pure data.
 */
/** Metric names the construct's alarm and dashboards use. */
export const AUDIT_METRICS = {
  critical: 'AuditCriticalFindings',
  warning: 'AuditWarningFindings',
  findingsByCode: 'AuditFindings',
  blocks: 'AuditBlocks',
  bytes: 'AuditBucketBytes',
  metaReads: 'AuditMetaJsonReads',
  /** Dimension `resolution`. */
  resolutionBlocks: 'AuditResolutionBlocks',
  /** Dimension `resolution`. */
  resolutionBytes: 'AuditResolutionBytes',
  compactionBacklogBlocks: 'AuditCompactionBacklogBlocks',
  compactionBacklogBytes: 'AuditCompactionBacklogBytes',
  downsamplingBacklogBlocks: 'AuditDownsamplingBacklogBlocks',
  downsamplingBacklogBytes: 'AuditDownsamplingBacklogBytes',
} as const;
