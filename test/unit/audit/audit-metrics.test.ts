import { Metrics } from '@aws-lambda-powertools/metrics';
import { AUDIT_METRICS, PowertoolsAuditMetrics } from '../../../lambdas/adapters/audit-metrics';
import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { runAudit } from '../../../lambdas/handlers/bucket-audit/handler';
import { healthyBucket, MemoryAuditStore } from '../../support/thanos-bucket';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

describe('PowertoolsAuditMetrics', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  it('emits EMF: severity totals, blocks, reads, backlog, one finding count per code (dimension code), blocks and bytes per resolution (dimension resolution)', async () => {
    process.env.POWERTOOLS_DEV = 'true'; // write EMF through the global console, which the test reads
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const lines: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const metrics = new Metrics({ namespace: 'GreenLang/Observability', serviceName: 'bucket-audit' });

    const now = new Date('2026-11-24T05:00:00.000Z');
    const { bucket } = healthyBucket({ now });
    bucket.configurationValue = {
      ...bucket.configurationValue,
      encryption: { state: 'present', value: [{ algorithm: 'AES256' }] },
    };
    const report = await runAudit({
      thanos: bucket,
      store: new MemoryAuditStore(),
      metrics: new PowertoolsAuditMetrics(metrics),
      bucket: 'b',
      environment: 'test',
      policy: SEED_RETENTION_POLICY,
      clock: () => now,
      logger: { info: () => {}, warn: () => {} },
    });
    metrics.publishStoredMetrics();

    const docs = lines.map((l) => JSON.parse(l) as Emf);
    const byCode = docs.filter((d) => d._aws.CloudWatchMetrics[0]?.Dimensions[0]?.includes('code'));
    expect(byCode).toHaveLength(11);
    const kms = byCode.find((d) => d.code === 'BUCKET_NOT_KMS_ENCRYPTED');
    expect(kms?.[AUDIT_METRICS.findingsByCode]).toBe(1);
    expect(byCode.find((d) => d.code === 'OVERLAPPING_BLOCKS')?.[AUDIT_METRICS.findingsByCode]).toBe(0);
    const totals = docs.find((d) => AUDIT_METRICS.critical in d);
    expect(totals?.[AUDIT_METRICS.critical]).toBe(1);
    expect(totals?.service).toBe('bucket-audit');
    expect(totals?._aws.CloudWatchMetrics[0]?.Namespace).toBe('GreenLang/Observability');
    expect(totals?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    // The healthy bucket has no backlog: both figures emitted as 0, with the totals' dimensions.
    expect(totals?.[AUDIT_METRICS.compactionBacklogBlocks]).toBe(0);
    expect(totals?.[AUDIT_METRICS.compactionBacklogBytes]).toBe(0);
    expect(totals?.[AUDIT_METRICS.downsamplingBacklogBlocks]).toBe(0);
    expect(totals?.[AUDIT_METRICS.downsamplingBacklogBytes]).toBe(0);
    const units = Object.fromEntries(
      (totals?._aws.CloudWatchMetrics[0]?.Metrics ?? []).map((m) => [m.Name, (m as { Unit?: string }).Unit]),
    );
    expect(units[AUDIT_METRICS.compactionBacklogBytes]).toBe('Bytes');
    expect(units[AUDIT_METRICS.downsamplingBacklogBlocks]).toBe('Count');

    // One document per resolution and metric, dimensions service + resolution (what the dashboard selects).
    const byResolution = docs.filter((d) => d._aws.CloudWatchMetrics[0]?.Dimensions[0]?.includes('resolution'));
    expect(byResolution.map((d) => `${d.resolution}:${d._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name}`).sort()).toEqual(
      ['1h', '5m', 'raw']
        .flatMap((r) => [`${r}:${AUDIT_METRICS.resolutionBlocks}`, `${r}:${AUDIT_METRICS.resolutionBytes}`])
        .sort(),
    );
    for (const d of byResolution) {
      expect(d._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'resolution']]);
      expect(d.service).toBe('bucket-audit');
      expect(d._aws.CloudWatchMetrics[0]?.Namespace).toBe('GreenLang/Observability');
    }
    const rawBytes = byResolution.find((d) => d.resolution === 'raw' && AUDIT_METRICS.resolutionBytes in d);
    expect(rawBytes?.[AUDIT_METRICS.resolutionBytes]).toBe(report.inventory.bytesByResolution.raw);
    expect(report.inventory.bytesByResolution.raw).toBeGreaterThan(0);
  });
});
