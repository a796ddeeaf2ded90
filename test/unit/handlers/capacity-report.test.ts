import type { BucketSizeSource } from '../../../lambdas/adapters/bucket-size';
import { peakQuery, WEEK_PEAKS } from '../../../lambdas/adapters/capacity-measurements';
import { PrometheusApiError, type ThanosStoresApi } from '../../../lambdas/adapters/prometheus-api';
import { CAPACITY_RECORDING_RULES } from '../../../lambdas/domain/recording-rules';
import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { SEED_SIZING } from '../../../lambdas/domain/sizing';
import { makeCapacityReportHandler } from '../../../lambdas/handlers/capacity-report/handler';
import { fakePrometheus, memoryStore } from '../../support/capacity-fakes';
import { CONNECTION_REFUSED, listed, OTHERS, podName, storeGateway } from '../domain/capacity/thanos-stores.fixtures';

const NOW = new Date('2026-11-23T05:00:00Z');
const DAY = 86_400_000;

const rules = CAPACITY_RECORDING_RULES;
const replicaLabels = (r: string) => ({ cluster: 'greenlang-prod', prometheus_replica: r });

describe('capacity report handler', () => {
  const deps = {
    environment: 'prod',
    sizing: SEED_SIZING,
    retention: SEED_RETENTION_POLICY,
    now: () => NOW,
  };

  it('reads the recording rules, per replica, and writes every format dated and as latest', async () => {
    const history = Array.from({ length: 28 }, (_, i) => ({
      at: NOW.getTime() - (27 - i) * DAY,
      value: 300_000 + 5_000 * i,
    }));
    const { api, asked } = fakePrometheus(
      {
        [rules.headSeriesPerReplica.record]: [
          { labels: replicaLabels('prometheus-0'), value: 435_000 },
          { labels: replicaLabels('prometheus-1'), value: 434_000 },
        ],
        [rules.ingestionRatePerReplica.record]: [
          { labels: replicaLabels('prometheus-0'), value: 20_000 },
          { labels: replicaLabels('prometheus-1'), value: 19_000 },
        ],
        // Judged over the week before the report (WEEK_PEAKS), not at its hour.
        [peakQuery(WEEK_PEAKS.memory, rules.prometheusMemoryPerReplica.record, false)]: [
          { labels: replicaLabels('prometheus-0'), value: 3.5e9 },
        ],
        [peakQuery(WEEK_PEAKS.load, rules.queryRate.record, false)]: [
          { labels: { cluster: 'greenlang-prod' }, value: 42 },
        ],
        [peakQuery(WEEK_PEAKS.load, rules.storeLatencyP99.record, false)]: [
          { labels: { cluster: 'greenlang-prod' }, value: 2.5 },
        ],
      },
      { [rules.headSeriesPerReplica.record]: [{ labels: replicaLabels('prometheus-0'), points: history }] },
    );
    const { store, objects } = memoryStore();
    const result = await makeCapacityReportHandler({ ...deps, prometheus: api, store })({});

    expect(asked).not.toContain(rules.headSeriesPerReplica.expr);
    expect(
      result.report.prometheus.replicas.map((r) => [r.replica, r.headSeries, r.samplesPerSecond, r.memoryBytes]),
    ).toEqual([
      ['greenlang-prod/prometheus-0', 435_000, 20_000, 3.5e9],
      ['greenlang-prod/prometheus-1', 434_000, 19_000, null],
    ]);
    expect(result.report.thanosQuery.qps).toBe(42);
    expect(result.report.thanosStore.p99LatencySeconds).toBe(2.5);
    // 435k growing 5k/day → 500k in 13 days: scale out now.
    expect(result.report.recommendations[0]).toMatchObject({ code: 'SCALE_OUT', component: 'prometheus' });
    expect([...objects.keys()].sort()).toEqual([
      'capacity/2026-11-23/report.html',
      'capacity/2026-11-23/report.json',
      'capacity/2026-11-23/report.md',
      'capacity/latest.html',
      'capacity/latest.json',
      'capacity/latest.md',
    ]);
    expect(objects.get('capacity/latest.json')).toBe(objects.get('capacity/2026-11-23/report.json'));
    expect(result.htmlKey).toBe('capacity/2026-11-23/report.html');
  });

  it('falls back to the raw expression when the recorded series do not exist', async () => {
    const { api, asked } = fakePrometheus({
      [rules.headSeriesPerReplica.expr]: [{ labels: {}, value: 1234 }],
    });
    const { report } = await makeCapacityReportHandler({ ...deps, prometheus: api })({});
    expect(asked.indexOf(rules.headSeriesPerReplica.record)).toBeLessThan(
      asked.indexOf(rules.headSeriesPerReplica.expr),
    );
    expect(report.prometheus.replicas).toEqual([expect.objectContaining({ replica: 'prometheus', headSeries: 1234 })]);
    expect(report.sources.headSeries).toBe(rules.headSeriesPerReplica.expr);
  });

  it('adds the bucket size by storage class, and still reports when CloudWatch fails', async () => {
    const { api } = fakePrometheus({});
    const sizes: BucketSizeSource = { bytesByStorageClass: async () => ({ STANDARD: 1e12, GLACIER_IR: 4e12 }) };
    const ok = await makeCapacityReportHandler({
      ...deps,
      prometheus: api,
      bucketSize: { source: sizes, bucketName: 'b' },
    })({});
    expect(ok.report.bucket).toEqual({ byStorageClass: { STANDARD: 1e12, GLACIER_IR: 4e12 }, totalBytes: 5e12 });

    const logged: string[] = [];
    const failing: BucketSizeSource = {
      bytesByStorageClass: async () => {
        throw new Error('AccessDenied');
      },
    };
    const degraded = await makeCapacityReportHandler({
      ...deps,
      prometheus: api,
      bucketSize: { source: failing, bucketName: 'b' },
      log: (m, extra) => logged.push(`${m} ${JSON.stringify(extra)}`),
    })({});
    expect(degraded.report.bucket).toBeNull();
    expect(logged[0]).toBe('bucket size unavailable {"error":"AccessDenied"}');
  });

  it('keeps a newer latest report when run for an earlier time on demand (the dated one is still written)', async () => {
    const { api } = fakePrometheus({});
    const { store, objects } = memoryStore();
    const run = makeCapacityReportHandler({ ...deps, prometheus: api, store });
    await run({});
    const latest = objects.get('capacity/latest.json');
    const { written } = await run({ now: '2026-10-01T00:00:00Z' });
    expect(written).toEqual([
      'capacity/2026-10-01/report.json',
      'capacity/2026-10-01/report.md',
      'capacity/2026-10-01/report.html',
    ]);
    expect(objects.get('capacity/latest.json')).toBe(latest);
  });

  it('reports as of an on-demand time, and names a bad one', async () => {
    const { api } = fakePrometheus({});
    const run = makeCapacityReportHandler({ ...deps, prometheus: api });
    expect((await run({ now: '2026-10-01T00:00:00Z' })).report.generatedAt).toBe('2026-10-01T00:00:00.000Z');
    await expect(run({ now: 'last tuesday' })).rejects.toThrow('now: not an ISO timestamp: "last tuesday"');
  });

  describe("Thanos Query's store list", () => {
    it('is asked before any query, and its finding is in the report, the headline and every format', async () => {
      const { api, asked } = fakePrometheus({});
      // The seed: one shard of 2 replicas; one listed with an error, the other left out by DNS SRV (not ready).
      const answer = listed({
        ...OTHERS,
        store: [storeGateway(podName('thanos-store-1'), { lastError: CONNECTION_REFUSED })],
      });
      const storeList: ThanosStoresApi = {
        async stores() {
          asked.push('stores');
          return answer;
        },
      };
      const { store, objects } = memoryStore();
      const { report } = await makeCapacityReportHandler({ ...deps, prometheus: api, storeList, store })({});
      expect(asked[0]).toBe('stores');
      expect(asked.filter((a) => a === 'stores')).toHaveLength(1);
      expect(report.historyCoverage).toMatchObject({ checked: true, status: 'incomplete' });
      expect(report.headline).toMatch(/^Capacity: history incomplete \(no store gateway answering\), /);
      expect(JSON.parse(objects.get('capacity/latest.json') ?? '{}').historyCoverage.status).toBe('incomplete');
      expect(objects.get('capacity/latest.md')).toContain(
        '## History coverage\n\nIncomplete: no store gateway answering',
      );
      expect(objects.get('capacity/latest.html')).toContain('<p>Incomplete: no store gateway answering');
    });

    it('a failing store list fails the report (nothing written), as a failed query does', async () => {
      const { api, asked } = fakePrometheus({});
      const error = new PrometheusApiError('/api/v1/stores: HTTP 503: unavailable');
      const storeList: ThanosStoresApi = {
        stores: async () => {
          throw error;
        },
      };
      const { store, objects } = memoryStore();
      await expect(makeCapacityReportHandler({ ...deps, prometheus: api, storeList, store })({})).rejects.toBe(error);
      expect(objects.size).toBe(0);
      expect(asked).toEqual([]);
    });

    it('without one the coverage is reported as not checked', async () => {
      const { api } = fakePrometheus({});
      const { report } = await makeCapacityReportHandler({ ...deps, prometheus: api })({});
      expect(report.historyCoverage).toEqual({ checked: false, reason: 'the store list was not asked for' });
    });
  });
});
