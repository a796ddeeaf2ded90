import { renderReport } from '../../../../lambdas/domain/capacity/render';
import {
  buildCapacityReport,
  type CapacityMeasurements,
  type ReplicaMeasurements,
} from '../../../../lambdas/domain/capacity/report';
import { SEED_RETENTION_POLICY } from '../../../../lambdas/domain/retention';
import { SEED_SIZING, type StackSizing } from '../../../../lambdas/domain/sizing';
import { listed, OTHERS, podName, storeGateway } from './thanos-stores.fixtures';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T06:00:00Z');
const history = (f: (i: number) => number, n = 28) =>
  Array.from({ length: n }, (_, i) => ({ at: NOW.getTime() - (n - 1 - i) * DAY, value: f(i) }));

const replica = (over: Partial<ReplicaMeasurements> = {}): ReplicaMeasurements => ({
  replica: 'greenlang-prod/prometheus-0',
  headSeries: 200_000,
  samplesPerSecond: 10_000,
  memoryBytes: 2e9,
  headSeriesHistory: history(() => 200_000),
  samplesPerSecondHistory: history(() => 10_000),
  ...over,
});

const build = (m: Partial<CapacityMeasurements> = {}, sizing: StackSizing = SEED_SIZING) =>
  buildCapacityReport(
    { replicas: [replica()], queryRate: 20, storeLatencyP99Seconds: 1.5, ...m },
    { environment: 'prod', now: NOW, sizing, retention: SEED_RETENTION_POLICY },
  );

describe('buildCapacityReport', () => {
  it('applies the formulas with the config limits', () => {
    const report = build({ replicas: [replica({ headSeries: 1_000_000, samplesPerSecond: 100_000 })] });
    const r = report.prometheus.replicas[0];
    expect(r?.estimatedMemoryBytes).toBe(7e9);
    expect(r?.estimatedLocalStorageBytes).toBeCloseTo(181.44e9, 0);
    expect(r?.memoryLimitBytes).toBe(8 * 2 ** 30); // 8Gi via parseQuantity
    expect(r?.localStorageLimitBytes).toBe(50 * 2 ** 30); // retentionSize 50GB, Prometheus units (1024)
    expect(r?.seriesTrigger).toBe(500_000);
    expect(report.localRetentionDays).toBe(7);
  });

  it('everything under its trigger is FINE, one line per check, the history coverage included', () => {
    const storeList = listed({
      ...OTHERS,
      store: [storeGateway(podName('thanos-store-0')), storeGateway(podName('thanos-store-1'))],
    });
    const report = build({ storeList });
    expect(report.recommendations.map((r) => [r.code, r.component])).toEqual([
      ['FINE', 'prometheus'],
      ['FINE', 'thanosQuery'],
      ['FINE', 'thanosStore'],
      ['FINE', 'thanosStore'],
    ]);
    expect(report.headline).toMatch(/^Capacity: all fine; 200,000 series\/replica \(40% of 500,000\)/);
  });

  it('series above 500K per replica: scale out while replicas < max', () => {
    const report = build({ replicas: [replica({ headSeries: 600_000, headSeriesHistory: history(() => 600_000) })] });
    expect(report.recommendations[0]).toMatchObject({ code: 'SCALE_OUT', component: 'prometheus' });
    expect(report.recommendations[0]?.message).toMatch(/600,000 head series is above the 500,000 per-replica trigger/);
  });

  it('series above the trigger at max replicas: raise the limit', () => {
    const prometheus = { ...SEED_SIZING.components.prometheus, replicas: 4, maxReplicas: 4 };
    const sizing = { ...SEED_SIZING, components: { ...SEED_SIZING.components, prometheus } };
    const report = build({ replicas: [replica({ headSeries: 600_000 })] }, sizing);
    expect(report.recommendations[0]).toMatchObject({ code: 'RAISE_LIMIT', component: 'prometheus' });
    expect(report.recommendations[0]?.message).toMatch(/4-replica maximum/);
  });

  it('a projected crossing within 28 days recommends scaling out before the trigger', () => {
    // 400k today growing 5k/day → 500k in 20 days.
    const report = build({
      replicas: [replica({ headSeries: 400_000, headSeriesHistory: history((i) => 265_000 + 5_000 * i) })],
    });
    expect(report.recommendations[0]).toMatchObject({ code: 'SCALE_OUT', component: 'prometheus' });
    expect(report.recommendations[0]?.message).toContain('2026-12-13');
    expect(report.headline).toContain('trigger reached ~2026-12-13');
  });

  it('measured memory over the limit: raise the memory limit', () => {
    const report = build({ replicas: [replica({ memoryBytes: 9e9 })] });
    const raise = report.recommendations.find((r) => r.code === 'RAISE_LIMIT');
    expect(raise?.message).toMatch(/memory 9.00 GB \(measured\) exceeds the memory limit of 8.59 GB/);
  });

  it('ingestion whose 7-day storage exceeds retentionSize: raise retentionSize', () => {
    // 50 GiB / (7 d × 3 B) ≈ 29,590 samples/s
    const report = build({ replicas: [replica({ samplesPerSecond: 40_000 })] });
    const raise = report.recommendations.find((r) => r.code === 'RAISE_LIMIT');
    expect(raise?.message).toMatch(
      /40,000 samples\/s × 7 d needs 72.58 GB of local storage, above the retentionSize of 53.69 GB/,
    );
  });

  it.each([
    { qps: 150, code: 'SCALE_OUT', text: /150 QPS is above the 100 QPS trigger: add a replica \(2 → 3, max 4\)/ },
    { qps: 100, code: 'FINE', text: /100 QPS, below the 100 QPS trigger/ },
  ])('Thanos Query at $qps QPS → $code', ({ qps, code, text }) => {
    const rec = build({ queryRate: qps }).recommendations.find((r) => r.component === 'thanosQuery');
    expect(rec?.code).toBe(code);
    expect(rec?.message).toMatch(text);
  });

  it('store gateway latency over 10 s → another block shard (replicas of the same blocks would repeat the work)', () => {
    const rec = build({ storeLatencyP99Seconds: 12 }).recommendations.find((r) => r.component === 'thanosStore');
    expect(rec).toMatchObject({ code: 'SCALE_OUT' });
    expect(rec?.message).toContain(
      'add a block shard (sizing.thanosStore.shards 1 → 2, 2 replicas each: 2 → 4 store gateways, max 4)',
    );
    const twoShards = { ...SEED_SIZING, thanosStore: { ...SEED_SIZING.thanosStore, shards: 2 } };
    const atMax = build({ storeLatencyP99Seconds: 12 }, twoShards).recommendations.find(
      (r) => r.component === 'thanosStore',
    );
    expect(atMax).toMatchObject({ code: 'RAISE_LIMIT' });
    expect(atMax?.message).toContain('2 shards × 2 replicas at the 4-store-gateway maximum');
    const sharded = build({ storeLatencyP99Seconds: 12 }, twoShards);
    expect(sharded.thanosStore.shards).toBe(2);
    expect(renderReport(sharded, 'markdown')).toContain('| 10 s | 2 × 2 (4) |');
    expect(renderReport(build(), 'markdown')).toContain('| 10 s | 2 (4) |');
  });

  it('missing metrics are NO_DATA, not FINE', () => {
    const report = build({ replicas: [], queryRate: undefined, storeLatencyP99Seconds: undefined });
    expect(report.recommendations.map((r) => r.code)).toEqual(['NO_DATA', 'NO_DATA', 'NO_DATA']);
    expect(report.thanosQuery.qps).toBeNull();
    // The headline never calls unmeasured checks fine.
    expect(report.headline).toMatch(
      /^Capacity: no data for Prometheus, Thanos Query, the store gateway; no series data/,
    );
  });

  it('the headline names an action and the checks without data together, never "all fine"', () => {
    const report = build({
      replicas: [replica({ headSeries: 600_000, headSeriesHistory: history(() => 600_000) })],
      queryRate: undefined,
    });
    expect(report.headline).toMatch(/^Capacity: 1 action recommended, no data for Thanos Query; 600,000 series/);
    expect(report.headline).not.toContain('all fine');
  });

  it('keeps only the window of history and sums the bucket by storage class', () => {
    const old = { at: NOW.getTime() - 40 * DAY, value: 1 };
    const report = build({
      replicas: [replica({ headSeriesHistory: [old, ...history(() => 200_000)] })],
      bucketBytesByStorageClass: { STANDARD: 2e12, GLACIER_IR: 5e12 },
    });
    expect(report.prometheus.replicas[0]?.seriesHistory).toHaveLength(28);
    expect(report.bucket?.totalBytes).toBe(7e12);
  });

  it('the storage history follows the formula from the ingestion rate', () => {
    const report = build({ replicas: [replica({ samplesPerSecondHistory: history((i) => 1_000 * (i + 1), 3) })] });
    expect(report.prometheus.replicas[0]?.storageHistory.map((p) => p.value)).toEqual([
      1_000 * 7 * 86_400 * 3,
      2_000 * 7 * 86_400 * 3,
      3_000 * 7 * 86_400 * 3,
    ]);
  });
});

describe('renderers', () => {
  const report = build({
    replicas: [
      replica({ replica: 'a<script>', headSeries: 420_000, headSeriesHistory: history((i) => 300_000 + 4_000 * i) }),
    ],
    bucketBytesByStorageClass: { STANDARD: 1.5e12 },
  });

  it('JSON round-trips the report', () => {
    expect(JSON.parse(renderReport(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('Markdown has the recommendations table and escapes table-breaking characters', () => {
    const md = renderReport(report, 'markdown');
    expect(md).toContain('| Code | Component | Recommendation |');
    expect(md).toMatch(/\| SCALE_OUT \| prometheus \| a\\<script\\>: head series grow/);
    expect(md).toContain('| STANDARD | 1.50 TB |');
  });

  it('HTML is self-contained: inline SVG charts, no external assets, escaped text', () => {
    const html = renderReport(report, 'html');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).not.toMatch(/<(script|link|img)\b/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
    expect(html).toContain('a&lt;script&gt;');
    expect(html).toContain('scale trigger 500,000 series/replica');
    expect(html).toContain('retentionSize 53.69 GB');
    // The projection is drawn dashed and the crossing marked.
    expect(html).toContain('stroke-dasharray="6 4"');
    expect(html).toMatch(/<circle [^>]*stroke="#dc2626"/);
  });
});
