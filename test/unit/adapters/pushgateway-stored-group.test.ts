import { toStoredGroup } from '../../../lambdas/adapters/pushgateway';

describe('toStoredGroup (a group of /api/v1/metrics)', () => {
  it('keeps a family named __proto__ as a family (a valid metric name), not as the prototype of its map', () => {
    // JSON.parse makes `__proto__` an own key, as Pushgateway 1.5.1's /api/v1/metrics gives it.
    const group = JSON.parse(
      '{"labels":{"job":"j"},"__proto__":{"type":"GAUGE","metrics":[{"labels":{"job":"j"},"value":"1"}]},' +
        '"m":{"type":"GAUGE","metrics":[{"labels":{"job":"j"},"value":"2"}]}}',
    );
    const stored = toStoredGroup(group);
    expect(stored.families.map((f) => f.name)).toEqual(['__proto__', 'm']);
    expect(Object.keys(stored.raw).sort()).toEqual(['__proto__', 'm']);
    expect(Object.getPrototypeOf(stored.raw)).toBeNull();
  });
});
