import {
  assessHistoryCoverage,
  type HistoryCoverage,
  type StoreListAnswer,
  storeGatewayShard,
} from '../../../../lambdas/domain/capacity/history-coverage';
import { renderReport } from '../../../../lambdas/domain/capacity/render';
import { buildCapacityReport } from '../../../../lambdas/domain/capacity/report';
import { SEED_RETENTION_POLICY } from '../../../../lambdas/domain/retention';
import { SEED_SIZING, type StackSizing } from '../../../../lambdas/domain/sizing';
import {
  CONNECTION_REFUSED,
  listed,
  OTHERS,
  podName,
  STORES_NOW,
  storeGateway,
  thanosStoresBody,
} from './thanos-stores.fixtures';

const DAY = 86_400_000;
/** The seed sizing with `shards` block shards of `replicas` store gateways each. */
const sized = (shards: number, replicas = 2): StackSizing => ({
  ...SEED_SIZING,
  components: { ...SEED_SIZING.components, thanosStore: { ...SEED_SIZING.components.thanosStore, replicas } },
  thanosStore: { ...SEED_SIZING.thanosStore, shards },
});
const history = () => Array.from({ length: 28 }, (_, i) => ({ at: STORES_NOW.getTime() - (27 - i) * DAY, value: 2e5 }));

/** A report whose other checks are all fine, so the headline's status is the coverage's alone. */
const report = (storeList: StoreListAnswer | undefined, sizing: StackSizing = sized(2)) =>
  buildCapacityReport(
    {
      replicas: [
        {
          replica: 'greenlang-prod/prometheus-0',
          headSeries: 200_000,
          samplesPerSecond: 10_000,
          memoryBytes: 2e9,
          headSeriesHistory: history(),
          samplesPerSecondHistory: history(),
        },
      ],
      queryRate: 20,
      storeLatencyP99Seconds: 1.5,
      ...(storeList ? { storeList } : {}),
    },
    { environment: 'prod', now: STORES_NOW, sizing, retention: SEED_RETENTION_POLICY },
  );

const checked = (c: HistoryCoverage) => {
  if (!c.checked) throw new Error(`expected a checked coverage, got ${JSON.stringify(c)}`);
  return c;
};
const shardPods = (shard: number, replicas: readonly number[]) =>
  replicas.map((n) => storeGateway(podName(`thanos-store-shard-${shard}-${n}`)));

describe('the fixtures are shaped as Thanos writes them', () => {
  it('sorted map keys, int64 extremes as digits, one JSON value and a newline', () => {
    const body = thanosStoresBody({ store: [storeGateway('10.0.21.7:10901')], ...OTHERS });
    expect(body).toMatch(/^\{"status":"success","data":\{"rule":\[.*\],"sidecar":\[.*\],"store":\[.*\]\}\}\n$/);
    expect(body).toContain('"maxTime":9223372036854775807');
    expect(body).toContain(
      '{"name":"10.0.21.7:10901","lastCheck":"2026-11-23T05:59:57.430981222Z","lastError":null,"labelSets":[{"cluster":"greenlang-prod","prometheus":"monitoring/greenlang","prometheus_replica":"prometheus-greenlang-0","region":"eu-west-1"},',
    );
  });
});

describe('storeGatewayShard: the shard a store gateway name tells', () => {
  it.each([
    [podName('thanos-store-shard-1-0'), 2, 1],
    [podName('thanos-store-shard-0-1'), 2, 0],
    ['thanos-store-shard-3-0.thanos-store.monitoring.svc:10901', 4, 3],
    [podName('thanos-store-1'), 1, 0],
    // An unsharded pod holds every block: no one shard of several.
    [podName('thanos-store-1'), 2, undefined],
    // A shard the config does not have, a sharded name with one shard.
    [podName('thanos-store-shard-2-0'), 2, undefined],
    [podName('thanos-store-shard-0-0'), 1, undefined],
    // dnssrv+ (this stack): an address says nothing.
    ['10.0.21.7:10901', 2, undefined],
    [podName('thanos-storefront-0'), 1, undefined],
  ])('%s with %i shards → %s', (name, shards, shard) => {
    expect(storeGatewayShard(name, shards)).toBe(shard);
  });
});

describe('assessHistoryCoverage', () => {
  it('all shards present: complete, the shards named, the oldest block as the oldest data', () => {
    const c = checked(
      assessHistoryCoverage(
        listed({ ...OTHERS, store: [...shardPods(0, [0, 1]), ...shardPods(1, [0, 1])] }),
        { shards: 2, replicasPerShard: 2 },
        STORES_NOW,
      ),
    );
    expect(c).toEqual({
      checked: true,
      status: 'complete',
      storeGateways: {
        expectedShards: 2,
        replicasPerShard: 2,
        answering: 4,
        failing: [],
        answeringShards: [0, 1],
        missingShards: [],
        missingAtLeast: 0,
      },
      // The store gateways' oldest block; the sidecars' math.MaxInt64 maxTime plays no part.
      oldestDataAt: '2026-05-04T00:00:00.000Z',
    });
  });

  it('one shard missing (its pods unready, so DNS SRV leaves them out): incomplete, the shard named', () => {
    const c = checked(
      assessHistoryCoverage(
        listed({ ...OTHERS, store: shardPods(0, [0, 1]) }),
        { shards: 2, replicasPerShard: 2 },
        STORES_NOW,
      ),
    );
    expect(c.status).toBe('incomplete');
    expect(c.storeGateways).toMatchObject({
      answering: 2,
      answeringShards: [0],
      missingShards: [1],
      missingAtLeast: 1,
    });
  });

  it('a store gateway Query lists with a lastError does not answer: its shard is missing, the error kept', () => {
    const failing = storeGateway(podName('thanos-store-shard-1-0'), { lastError: CONNECTION_REFUSED });
    const c = checked(
      assessHistoryCoverage(
        listed({ ...OTHERS, store: [...shardPods(0, [0, 1]), failing] }),
        { shards: 2, replicasPerShard: 2 },
        STORES_NOW,
      ),
    );
    expect(c.status).toBe('incomplete');
    expect(c.storeGateways.missingShards).toEqual([1]);
    expect(c.storeGateways.failing).toEqual([
      { name: podName('thanos-store-shard-1-0'), lastError: CONNECTION_REFUSED },
    ]);
  });

  it('replicas > 1 with one replica down: still complete (replicas of a shard hold the same blocks)', () => {
    const c = checked(
      assessHistoryCoverage(
        listed({ ...OTHERS, store: [...shardPods(0, [0, 1]), ...shardPods(1, [0])] }),
        { shards: 2, replicasPerShard: 2 },
        STORES_NOW,
      ),
    );
    expect(c.status).toBe('complete');
    expect(c.storeGateways).toMatchObject({ answering: 3, answeringShards: [0, 1], missingShards: [] });
  });

  describe('names that do not tell the shard (IP:port, dnssrv+): counting decides where it can', () => {
    const ips = (n: number) => Array.from({ length: n }, (_, i) => storeGateway(`10.0.21.${10 + i}:10901`));
    it.each([
      // One shard: any answering store gateway serves it.
      { shards: 1, answering: 1, status: 'complete', missingAtLeast: 0 },
      // Two shards × 2: three pods cannot all be one shard's; two can.
      { shards: 2, answering: 4, status: 'complete', missingAtLeast: 0 },
      { shards: 2, answering: 3, status: 'complete', missingAtLeast: 0 },
      { shards: 2, answering: 2, status: 'unverified', missingAtLeast: 0 },
      { shards: 2, answering: 1, status: 'incomplete', missingAtLeast: 1 },
    ])('$shards shard(s) × 2, $answering answering → $status', ({ shards, answering, status, missingAtLeast }) => {
      const c = checked(
        assessHistoryCoverage(
          listed({ ...OTHERS, store: ips(answering) }),
          { shards, replicasPerShard: 2 },
          STORES_NOW,
        ),
      );
      expect(c.status).toBe(status);
      expect(c.storeGateways).toMatchObject({ answering, answeringShards: null, missingShards: null, missingAtLeast });
    });

    it('none answering: every shard is missing, whatever the names would have said', () => {
      const c = checked(
        assessHistoryCoverage(listed({ ...OTHERS, store: [] }), { shards: 2, replicasPerShard: 2 }, STORES_NOW),
      );
      expect(c.status).toBe('incomplete');
      expect(c.storeGateways).toMatchObject({
        answering: 0,
        answeringShards: [],
        missingShards: [0, 1],
        missingAtLeast: 2,
      });
      // No `store` key at all (Query lists no store gateway) reads the same.
      expect(assessHistoryCoverage(listed(OTHERS), { shards: 2, replicasPerShard: 2 }, STORES_NOW)).toEqual(c);
    });
  });

  it("a store gateway without blocks (minTime math.MaxInt64) is no one's oldest data", () => {
    const empty = storeGateway(podName('thanos-store-0'), { minTime: 2 ** 63 });
    const c = checked(
      assessHistoryCoverage(listed({ ...OTHERS, store: [empty] }), { shards: 1, replicasPerShard: 2 }, STORES_NOW),
    );
    expect(c.status).toBe('complete');
    expect(c.oldestDataAt).toBe('2026-11-16T07:00:00.000Z');
  });

  it('endpoint absent (a plain Prometheus: 404) or not asked: not checked, with the reason', () => {
    const absent: StoreListAnswer = { kind: 'absent', reason: 'http://127.0.0.1:9090/api/v1/stores answered HTTP 404' };
    expect(assessHistoryCoverage(absent, { shards: 1, replicasPerShard: 2 }, STORES_NOW)).toEqual({
      checked: false,
      reason: 'http://127.0.0.1:9090/api/v1/stores answered HTTP 404',
    });
    expect(assessHistoryCoverage(undefined, { shards: 1, replicasPerShard: 2 }, STORES_NOW)).toEqual({
      checked: false,
      reason: 'the store list was not asked for',
    });
  });
});

describe('the coverage in the report', () => {
  it('complete: a FINE line, and the headline may say all fine', () => {
    const r = report(listed({ ...OTHERS, store: [...shardPods(0, [0, 1]), ...shardPods(1, [1])] }));
    expect(r.headline).toMatch(/^Capacity: all fine; /);
    expect(r.recommendations.filter((x) => x.component === 'thanosStore').map((x) => x.code)).toEqual(['FINE', 'FINE']);
    expect(r.recommendations.at(-1)?.message).toBe(
      'History coverage: Complete: 3 store gateways answering Thanos Query cover every shard (2 shards × 2); oldest data 2026-05-04.',
    );
  });

  it('one shard missing: first line HISTORY_INCOMPLETE naming the shard, the long-range figures and what to check', () => {
    const r = report(listed({ ...OTHERS, store: shardPods(0, [0, 1]) }));
    expect(r.headline).toMatch(
      /^Capacity: history incomplete \(store gateway shard 1 of 2 not answering\); 200,000 series\/replica/,
    );
    expect(r.headline).not.toContain('all fine');
    expect(r.recommendations[0]).toEqual({
      code: 'HISTORY_INCOMPLETE',
      component: 'thanosStore',
      message:
        "History incomplete: store gateway shard 1 of 2 not answering (2 of 4 store gateways answer Thanos Query): the missing shard's blocks are left out, so the 28-day trend, the growth projections and every figure older than Prometheus' 7 days are computed on incomplete data. Check the store gateway pods' readiness (kubectl -n monitoring get pods -l app.kubernetes.io/name=thanos-store) and their logs: Query finds store gateways by DNS SRV, which leaves a pod that is down or not ready out. Run the report again once every shard has a ready pod.",
    });
  });

  it('a lastError is quoted, and counted as not answering', () => {
    const failing = storeGateway(podName('thanos-store-0'), { lastError: CONNECTION_REFUSED });
    const r = report(listed({ ...OTHERS, store: [failing] }), sized(1));
    expect(r.headline).toMatch(/^Capacity: history incomplete \(no store gateway answering\); /);
    const line = r.recommendations[0];
    expect(line?.code).toBe('HISTORY_INCOMPLETE');
    // With no store gateway, the past is the sidecars' alone.
    expect(line?.message).toContain(
      "only the sidecars answer for the past, so the 28-day trend, the growth projections and every figure older than Prometheus' 7 days rest on their 7 days alone.",
    );
    expect(line?.message).toContain(
      `Query lists ${podName('thanos-store-0')} (${CONNECTION_REFUSED}) with an error and does not query it.`,
    );
    // The oldest data left is a sidecar's.
    expect(r.historyCoverage).toMatchObject({ oldestDataAt: '2026-11-16T07:00:00.000Z' });
  });

  it('unverified (addresses only, fewer than configured): never "all fine", says it may be incomplete', () => {
    const r = report(listed({ ...OTHERS, store: [storeGateway('10.0.21.7:10901'), storeGateway('10.0.21.8:10901')] }));
    expect(r.headline).toMatch(
      /^Capacity: history may be incomplete \(2 of 4 store gateways answering, their shards unknown\); /,
    );
    expect(r.recommendations[0]?.code).toBe('HISTORY_INCOMPLETE');
    expect(renderReport(r, 'markdown')).toContain('| Shards missing | unknown |');
    expect(r.recommendations[0]?.message).toMatch(
      /^History may be incomplete: .* whether each of the 2 shards answers cannot be told/,
    );
  });

  it('the history line is named beside actions and checks without data', () => {
    const r = buildCapacityReport(
      {
        replicas: [],
        queryRate: 150,
        storeList: listed({ ...OTHERS, store: shardPods(1, [0]) }),
      },
      { environment: 'prod', now: STORES_NOW, sizing: sized(2), retention: SEED_RETENTION_POLICY },
    );
    expect(r.headline).toMatch(
      /^Capacity: history incomplete \(store gateway shard 0 of 2 not answering\), 1 action recommended, no data for Prometheus, the store gateway; no series data\.$/,
    );
    expect(r.recommendations.map((x) => x.code)).toEqual(['HISTORY_INCOMPLETE', 'SCALE_OUT', 'NO_DATA', 'NO_DATA']);
  });

  it('not checked: no coverage line, and "all fine" says the coverage was not checked', () => {
    const r = report({
      kind: 'absent',
      reason: 'http://127.0.0.1:9090/api/v1/stores answered HTTP 404: not Thanos Query',
    });
    expect(r.recommendations.map((x) => x.code)).toEqual(['FINE', 'FINE', 'FINE']);
    expect(r.headline).toMatch(/^Capacity: all fine \(history coverage not checked\); 200,000 series/);
  });
});

describe('the coverage rendered', () => {
  const incomplete = report(listed({ ...OTHERS, store: shardPods(0, [0, 1]) }));

  it('JSON carries the finding as it is', () => {
    const json = JSON.parse(renderReport(incomplete, 'json'));
    expect(json.historyCoverage).toEqual({
      checked: true,
      status: 'incomplete',
      storeGateways: {
        expectedShards: 2,
        replicasPerShard: 2,
        answering: 2,
        failing: [],
        answeringShards: [0],
        missingShards: [1],
        missingAtLeast: 1,
      },
      oldestDataAt: '2026-05-04T00:00:00.000Z',
    });
  });

  it('Markdown: a section with the finding and the store gateway facts, the recommendation in the table', () => {
    const md = renderReport(incomplete, 'markdown');
    expect(md).toContain(
      '## History coverage\n\nIncomplete: store gateway shard 1 of 2 not answering (2 shards × 2 configured, 2 answering); oldest data 2026-05-04.\n',
    );
    expect(md).toContain('| Shards missing | 1 |');
    expect(md).toMatch(/\| HISTORY_INCOMPLETE \| thanosStore \| History incomplete: store gateway shard 1 of 2/);
    const notChecked = renderReport(report({ kind: 'absent', reason: 'HTTP 404: not Thanos Query' }), 'markdown');
    expect(notChecked).toContain('## History coverage\n\nNot checked: HTTP 404: not Thanos Query.\n\n## Prometheus');
  });

  it('HTML: the same section, and the recommendation badged like the other codes', () => {
    const html = renderReport(incomplete, 'html');
    expect(html).toContain(
      '<h2>History coverage</h2>\n<p>Incomplete: store gateway shard 1 of 2 not answering (2 shards × 2 configured, 2 answering); oldest data 2026-05-04.</p>',
    );
    expect(html).toContain('<tr><th>Shards missing</th><td>1</td></tr>');
    expect(html).toContain('<span class="code HISTORY_INCOMPLETE">History incomplete</span>');
    expect(html).toMatch(/\.HISTORY_INCOMPLETE\{/);
  });
});
