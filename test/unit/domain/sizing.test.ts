import {
  type COMPONENTS,
  parseByteSize,
  parseQuantity,
  SEED_SIZING,
  STORE_GATEWAY_WORKING_SET_BYTES,
  type StackSizing,
  sizingProblems,
  storeGatewayGoMemLimit,
  storeGatewayMemoryBudget,
  storeGatewayMemoryProblems,
} from '../../../lambdas/domain/sizing';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2000m', 2],
    ['1', 1],
    ['1.5', 1.5],
    ['512Mi', 512 * 2 ** 20],
    ['2Gi', 2 * 2 ** 30],
    ['1G', 1e9],
    ['100Gi', 100 * 2 ** 30],
  ])('reads %s as %d', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });

  it.each(['', 'Gi', '2 Gi', '-1', '2gb', '1e3'])('rejects %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('parseByteSize', () => {
  it('reads Prometheus sizes in powers of 1024', () => {
    expect(parseByteSize('50GB')).toBe(50 * 2 ** 30);
    expect(parseByteSize('512MB')).toBe(512 * 2 ** 20);
    expect(parseByteSize('50Gi')).toBeUndefined();
  });
});

describe('the seed sizing', () => {
  it('is valid', () => {
    expect(sizingProblems(SEED_SIZING)).toEqual([]);
  });

  it('has the seed vertical-scaling table', () => {
    const r = (name: (typeof COMPONENTS)[number]) => SEED_SIZING.components[name].resources;
    expect(r('prometheus')).toEqual({
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { cpu: '2000m', memory: '8Gi' },
    });
    expect(r('thanosQuery')).toEqual({
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '1000m', memory: '2Gi' },
    });
    expect(r('thanosStore')).toEqual({
      requests: { cpu: '250m', memory: '1Gi' },
      limits: { cpu: '1000m', memory: '4Gi' },
    });
    expect(r('alertmanager')).toEqual({
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
    expect(r('pushgateway')).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
    // Fargate: requests equal limits, at the seed's limits.
    expect(r('thanosCompactor')).toEqual({
      requests: { cpu: '1000m', memory: '4Gi' },
      limits: { cpu: '1000m', memory: '4Gi' },
    });
  });

  it('has the seed replicas, maxima and scale triggers', () => {
    const c = SEED_SIZING.components;
    expect([c.prometheus.replicas, c.prometheus.maxReplicas]).toEqual([2, 4]);
    expect([c.thanosQuery.replicas, c.thanosQuery.maxReplicas]).toEqual([2, 4]);
    expect([c.thanosStore.replicas, c.thanosStore.maxReplicas]).toEqual([2, 4]);
    expect([c.alertmanager.replicas, c.alertmanager.maxReplicas]).toEqual([2, 3]);
    expect([c.thanosCompactor.replicas, c.pushgateway.replicas, c.thanosRuler.replicas]).toEqual([1, 2, 2]);
    expect(SEED_SIZING.scaleTriggers).toEqual({
      prometheusSeriesPerReplica: 500_000,
      thanosQueryQps: 100,
      storeGatewayLatencySeconds: 10,
    });
    // The seed's 2GB chunk cache does not fit the seed's 4Gi limit next to the index cache and a working set.
    expect(SEED_SIZING.thanosStore).toEqual({
      indexCacheSize: '1GB',
      chunkCacheSize: '1GB',
      storage: '50Gi',
      shards: 1,
    });
  });
});

describe('the store gateway memory budget', () => {
  it('fits the configured caches under GOMEMLIMIT (90% of the 4Gi limit) with 1GiB for queries', () => {
    const budget = storeGatewayMemoryBudget(SEED_SIZING);
    expect(budget.limitBytes).toBe(4 * 2 ** 30);
    expect(budget.cacheBytes).toBe(2 * 2 ** 30);
    expect(budget.goMemLimitBytes).toBe(Math.floor(0.9 * 4 * 2 ** 30));
    expect(budget.headroomBytes).toBeGreaterThanOrEqual(STORE_GATEWAY_WORKING_SET_BYTES);
    expect(storeGatewayGoMemLimit(SEED_SIZING)).toBe('3686MiB');
    expect(storeGatewayMemoryProblems(SEED_SIZING)).toEqual([]);
  });

  it("refuses the seed's literal 1GB + 2GB in-memory caches inside a 4Gi limit", () => {
    const seedLiteral = structuredClone(SEED_SIZING) as { -readonly [K in keyof StackSizing]: StackSizing[K] };
    seedLiteral.thanosStore = { ...seedLiteral.thanosStore, chunkCacheSize: '2GB' };
    expect(storeGatewayMemoryProblems(seedLiteral)).toEqual([
      'thanosStore: caches 1GB + 2GB leave 0.60GiB under GOMEMLIMIT 3.60GiB (90% of the 4Gi limit); queries need 1.00GiB: shrink the caches, raise the limit or move the caches to memcached',
    ]);
    expect(sizingProblems(seedLiteral)).toEqual(storeGatewayMemoryProblems(seedLiteral));
  });

  it('accepts the seed caches with a limit raised to 5Gi', () => {
    const store = SEED_SIZING.components.thanosStore;
    const raised: StackSizing = {
      ...SEED_SIZING,
      thanosStore: { ...SEED_SIZING.thanosStore, chunkCacheSize: '2GB' },
      components: {
        ...SEED_SIZING.components,
        thanosStore: {
          ...store,
          resources: { ...store.resources, limits: { ...store.resources.limits, memory: '5Gi' } },
        },
      },
    };
    expect(storeGatewayMemoryProblems(raised)).toEqual([]);
  });
});

describe('sizingProblems', () => {
  const change = (mutate: (s: { -readonly [K in keyof StackSizing]: StackSizing[K] }) => void): StackSizing => {
    const copy = structuredClone(SEED_SIZING) as { -readonly [K in keyof StackSizing]: StackSizing[K] };
    mutate(copy);
    return copy;
  };

  it('rejects requests above limits, naming the field', () => {
    const sizing = change((s) => {
      s.components = {
        ...s.components,
        alertmanager: {
          ...s.components.alertmanager,
          resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m', memory: '512Mi' } },
        },
      };
    });
    expect(sizingProblems(sizing)).toEqual([
      'components.alertmanager.resources.requests.cpu: 1 exceeds the limit 500m',
      'components.alertmanager.resources.requests.memory: 1Gi exceeds the limit 512Mi',
    ]);
  });

  it('rejects a second compactor', () => {
    const sizing = change((s) => {
      s.components = {
        ...s.components,
        thanosCompactor: { ...s.components.thanosCompactor, replicas: 2, maxReplicas: 2 },
      };
    });
    expect(sizingProblems(sizing).join('\n')).toContain('the compactor must be a singleton');
  });

  it('rejects compactor requests below limits (Fargate) and ephemeral storage above 175Gi', () => {
    const sizing = change((s) => {
      s.components = {
        ...s.components,
        thanosCompactor: {
          ...s.components.thanosCompactor,
          resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '4Gi' } },
        },
      };
      s.thanosCompactor = { ephemeralStorage: '200Gi' };
    });
    const problems = sizingProblems(sizing).join('\n');
    expect(problems).toContain(
      'components.thanosCompactor.resources.requests.cpu: Fargate needs requests equal to limits',
    );
    expect(problems).toContain('thanosCompactor.ephemeralStorage: Fargate allows at most 175Gi, got 200Gi');
  });

  it('rejects a single Prometheus and a volume smaller than the retention size', () => {
    const sizing = change((s) => {
      s.components = { ...s.components, prometheus: { ...s.components.prometheus, replicas: 1 } };
      s.prometheus = { ...s.prometheus, storage: '20Gi' };
    });
    const problems = sizingProblems(sizing).join('\n');
    expect(problems).toContain('components.prometheus.replicas: HA needs at least 2 replicas, got 1');
    expect(problems).toContain('prometheus.storage: 20Gi is smaller than retentionSize 50GB');
  });
});
