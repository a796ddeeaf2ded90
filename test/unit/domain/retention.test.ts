import fc from 'fast-check';
import {
  compactorRetentionArgs,
  lifecycleTransitions,
  localRetentionDays,
  longestRetentionDays,
  READABLE_STORAGE_CLASSES,
  type RetentionPolicy,
  retentionPolicyProblems,
  SEED_RETENTION_POLICY,
  UNREADABLE_STORAGE_CLASSES,
} from '../../../lambdas/domain/retention';

const withChanges = (changes: Partial<RetentionPolicy>): RetentionPolicy => ({ ...SEED_RETENTION_POLICY, ...changes });

describe('the seed retention table', () => {
  it('keeps raw 30 days, 5m 120 days and 1h 730 days', () => {
    expect(SEED_RETENTION_POLICY.resolutionDays).toEqual({ raw: 30, '5m': 120, '1h': 730 });
  });

  it('is valid', () => {
    expect(retentionPolicyProblems(SEED_RETENTION_POLICY)).toEqual([]);
  });

  it('moves objects to Intelligent-Tiering at day 30 and Glacier Instant Retrieval at day 120', () => {
    expect(lifecycleTransitions(SEED_RETENTION_POLICY)).toEqual([
      { afterDays: 30, storageClass: 'INTELLIGENT_TIERING' },
      { afterDays: 120, storageClass: 'GLACIER_IR' },
    ]);
  });

  it('gives the compactor the same retention in its flags, with a 48h delete delay', () => {
    expect(compactorRetentionArgs(SEED_RETENTION_POLICY)).toEqual([
      '--retention.resolution-raw=30d',
      '--retention.resolution-5m=120d',
      '--retention.resolution-1h=730d',
      '--delete-delay=48h',
      '--consistency-delay=30m',
    ]);
  });

  it('keeps 7 days on Prometheus local disk and 730 days in all', () => {
    expect(localRetentionDays(SEED_RETENTION_POLICY)).toBe(7);
    expect(longestRetentionDays(SEED_RETENTION_POLICY)).toBe(730);
  });
});

describe('retentionPolicyProblems', () => {
  it.each([
    [
      'raw shorter than downsampling needs',
      { resolutionDays: { raw: 1, '5m': 120, '1h': 730 } },
      'resolutionDays.raw: must be at least 2 days',
    ],
    [
      '5m shorter than raw',
      { resolutionDays: { raw: 30, '5m': 20, '1h': 730 } },
      'resolutionDays.5m: must be at least resolutionDays.raw (30)',
    ],
    [
      '1h shorter than 5m',
      { resolutionDays: { raw: 30, '5m': 120, '1h': 100 } },
      'resolutionDays.1h: must be at least resolutionDays.5m (120)',
    ],
    ['no delete delay', { deleteDelayHours: 0 }, 'deleteDelayHours: must be at least 1'],
    [
      'no multipart cleanup',
      { abortIncompleteMultipartUploadDays: 0 },
      'abortIncompleteMultipartUploadDays: must be at least 1',
    ],
  ])('reports %s', (_case, changes, expected) => {
    expect(retentionPolicyProblems(withChanges(changes as Partial<RetentionPolicy>)).join('\n')).toContain(expected);
  });

  it('reports a gap between tiers', () => {
    const tiers = SEED_RETENTION_POLICY.tiers.map((t) => (t.name === 'cool' ? { ...t, fromDay: 40 } : t));
    expect(retentionPolicyProblems(withChanges({ tiers }))).toContain(
      "tiers[2] (cool): fromDay (40) must equal the previous tier's untilDay (30)",
    );
  });

  it('reports tiers that stop before the longest retention', () => {
    const tiers = SEED_RETENTION_POLICY.tiers.map((t) => (t.name === 'cold' ? { ...t, untilDay: 365 } : t));
    expect(retentionPolicyProblems(withChanges({ tiers }))).toContain(
      'tiers: the last tier must end at the longest retention (730 days), got 365',
    );
  });
});

describe('lifecycleTransitions (property)', () => {
  const storage = fc.constantFrom(...READABLE_STORAGE_CLASSES);
  const policies = fc
    .tuple(
      fc.integer({ min: 0, max: 10 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), storage), { minLength: 1, maxLength: 5 }),
    )
    .map(([hotDays, s3Tiers]): RetentionPolicy => {
      const tiers = [];
      let day = 0;
      if (hotDays > 0) {
        tiers.push({
          name: 'hot',
          resolution: 'raw' as const,
          fromDay: 0,
          untilDay: hotDays,
          storage: 'LOCAL_SSD' as const,
        });
        day = hotDays;
      }
      for (const [length, storageClass] of s3Tiers) {
        tiers.push({
          name: `t${day}`,
          resolution: '1h' as const,
          fromDay: day,
          untilDay: day + length,
          storage: storageClass,
        });
        day += length;
      }
      return { ...SEED_RETENTION_POLICY, resolutionDays: { raw: 2, '5m': 10, '1h': Math.max(10, day) }, tiers };
    });

  it('only ever moves objects to readable classes, in increasing age order, one transition per class change', () => {
    fc.assert(
      fc.property(policies, (policy) => {
        const transitions = lifecycleTransitions(policy);
        for (const t of transitions) {
          expect(UNREADABLE_STORAGE_CLASSES as readonly string[]).not.toContain(t.storageClass);
          expect(READABLE_STORAGE_CLASSES as readonly string[]).toContain(t.storageClass);
        }
        const days = transitions.map((t) => t.afterDays);
        expect([...days].sort((a, b) => a - b)).toEqual(days);
        expect(new Set(days).size).toBe(days.length);
      }),
    );
  });
});
