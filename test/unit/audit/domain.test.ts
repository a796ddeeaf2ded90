import fc from 'fast-check';
import { labelsKey, parseBlockMeta, parseDeletionMark } from '../../../lambdas/domain/audit/block-meta';
import { parseRetentionPolicy } from '../../../lambdas/domain/audit/policy';
import { decodeAuditState, encodeAuditState, type StoredBlock } from '../../../lambdas/domain/audit/state';
import { summarySubject } from '../../../lambdas/domain/audit/summary';
import { isUlid, makeUlid, prefixCanMatchBlocks, ulidRandomness, ulidTime } from '../../../lambdas/domain/audit/ulid';
import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { snsSubject } from '../../../lambdas/domain/sns';
import { mapWithConcurrency } from '../../../lambdas/handlers/concurrency';
import { blockMeta } from '../../support/thanos-bucket';

const ULID = '01JDQ3Z8W6F0X1M2N3P4Q5R6S7';

describe('ULIDs', () => {
  it('round-trips a time through makeUlid and ulidTime', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.nat(), (time, n) => {
        const ulid = makeUlid(time, ulidRandomness(n));
        expect(isUlid(ulid)).toBe(true);
        expect(ulidTime(ulid)).toBe(time);
      }),
    );
  });

  it('knows a real block ULID from other folder names', () => {
    // The ULID specification's example string; its time decoded independently: 2016-07-30T23:54:10.259Z.
    expect(ulidTime('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe(Date.parse('2016-07-30T23:54:10.259Z'));
    for (const name of [
      'debug',
      '01jdq3z8w6f0x1m2n3p4q5r6s7',
      '01JDQ3Z8W6F0X1M2N3P4Q5R6S',
      '01JDQ3Z8W6F0X1M2N3P4Q5R6SU',
      '81JDQ3Z8W6F0X1M2N3P4Q5R6S7',
    ])
      expect(isUlid(name)).toBe(false);
    expect(() => ulidTime('debug')).toThrow('not a ULID: "debug"');
  });

  it('tells which lifecycle prefixes can select block objects', () => {
    expect(['', '0', '01JD', ULID, `${ULID}/`, `${ULID}/chunks/`].map(prefixCanMatchBlocks)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['debug/', 'a', '9', `${ULID}x`, 'audit/'].map(prefixCanMatchBlocks)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('parseBlockMeta', () => {
  const meta = blockMeta({
    ulid: ULID,
    minTime: 1_732_000_000_000,
    maxTime: 1_732_007_200_000,
    resolution: '5m',
    level: 3,
    labels: { region: 'eu-west-1', cluster: 'greenlang-prod', prometheus_replica: 'prometheus-0' },
    source: 'compactor',
    createdAt: 1_732_010_000_000,
  });

  it('reads what the audit needs from a Thanos meta.json', () => {
    expect(parseBlockMeta(JSON.stringify(meta), ULID)).toEqual({
      ulid: ULID,
      minTime: 1_732_000_000_000,
      maxTime: 1_732_007_200_000,
      resolution: '5m',
      level: 3,
      source: 'compactor',
      labels: meta.thanos.labels,
      labelsKey: 'cluster="greenlang-prod",prometheus_replica="prometheus-0",region="eu-west-1"',
    });
  });

  it.each([
    ['not json', () => '{', `${ULID}/meta.json: not valid JSON`],
    [
      'another block',
      () => JSON.stringify({ ...meta, ulid: '01JDQ3Z8W6F0X1M2N3P4Q5R6S8' }),
      'ulid must be the block folder',
    ],
    [
      'reversed range',
      () => JSON.stringify({ ...meta, maxTime: meta.minTime }),
      'maxTime (1732000000000) must be after minTime',
    ],
    ['no thanos section', () => JSON.stringify({ ...meta, thanos: undefined }), 'thanos must be an object'],
    [
      'bad resolution',
      () => JSON.stringify({ ...meta, thanos: { ...meta.thanos, downsample: { resolution: 60000 } } }),
      'thanos.downsample.resolution must be 0, 300000 or 3600000, got 60000',
    ],
    [
      'numeric label',
      () => JSON.stringify({ ...meta, thanos: { ...meta.thanos, labels: { a: 1 } } }),
      'thanos.labels.a must be a string, got 1',
    ],
    [
      'level 0',
      () => JSON.stringify({ ...meta, compaction: { level: 0 } }),
      'compaction.level must be at least 1, got 0',
    ],
  ])('rejects %s with an error naming the field', (_name, text, message) => {
    expect(() => parseBlockMeta(text(), ULID)).toThrow(message);
  });

  it('reads a deletion mark time, and rejects one without deletion_time', () => {
    expect(parseDeletionMark(JSON.stringify({ id: ULID, deletion_time: 1_732_000_000, version: 1 }), ULID)).toBe(
      1_732_000_000_000,
    );
    expect(() => parseDeletionMark('{"id":"x"}', ULID)).toThrow(
      `${ULID}/deletion-mark.json: deletion_time must be an integer, got undefined`,
    );
  });

  it('keys label sets independently of their order', () => {
    expect(labelsKey({ b: '2', a: '1' })).toBe(labelsKey({ a: '1', b: '2' }));
    expect(labelsKey({ a: '1,b=2' })).not.toBe(labelsKey({ a: '1', b: '2' }));
  });
});

describe('audit state', () => {
  it('round-trips blocks with interned labels, sources and deletion marks', () => {
    const labels = { cluster: 'c', prometheus_replica: 'prometheus-1' };
    const blocks = new Map<string, StoredBlock>([
      [
        ULID,
        {
          metaVersion: 'e1',
          record: {
            ulid: ULID,
            minTime: 1,
            maxTime: 2,
            resolution: 'raw',
            level: 1,
            source: 'sidecar',
            labels,
            labelsKey: labelsKey(labels),
          },
        },
      ],
      [
        '01JDQ3Z8W6F0X1M2N3P4Q5R6S8',
        {
          metaVersion: 'e2',
          record: {
            ulid: '01JDQ3Z8W6F0X1M2N3P4Q5R6S8',
            minTime: 3,
            maxTime: 9,
            resolution: '1h',
            level: 4,
            source: 'compactor',
            labels,
            labelsKey: labelsKey(labels),
          },
          mark: { version: 'm', deletionTime: 5000 },
        },
      ],
    ]);
    const text = encodeAuditState({ blocks }, new Date(0));
    expect(JSON.parse(text).labels).toEqual([labels]);
    expect(decodeAuditState(text).blocks).toEqual(blocks);
  });

  it('rejects a state it did not write, saying why', () => {
    expect(() => decodeAuditState('nope')).toThrow('audit state: not valid JSON');
    expect(() => decodeAuditState('{"version":2}')).toThrow('audit state: version must be 1, got 2');
    expect(() => decodeAuditState('{"version":1,"sources":[],"labels":[],"blocks":[["x","e",1,2,7,1,0,0]]}')).toThrow(
      'audit state: blocks[0] is malformed',
    );
  });
});

describe('parseRetentionPolicy', () => {
  it('accepts the seed table as JSON', () => {
    expect(parseRetentionPolicy(JSON.stringify(SEED_RETENTION_POLICY))).toEqual(SEED_RETENTION_POLICY);
  });

  it('names what is missing or wrong', () => {
    expect(() => parseRetentionPolicy(undefined)).toThrow('RETENTION_POLICY: missing');
    expect(() => parseRetentionPolicy('{')).toThrow('RETENTION_POLICY: not valid JSON');
    expect(() => parseRetentionPolicy('{"tiers":[]}')).toThrow('resolutionDays.raw: must be a number');
    expect(() =>
      parseRetentionPolicy(
        JSON.stringify({ ...SEED_RETENTION_POLICY, resolutionDays: { raw: 30, '5m': 10, '1h': 730 } }),
      ),
    ).toThrow('resolutionDays.5m: must be at least resolutionDays.raw (30), got 10');
  });
});

describe('SNS subject', () => {
  it('is printable ASCII on one line, at most 100 characters, whatever the bucket name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 40 }), (bucket, environment) => {
        const subject = summarySubject(
          { bucket, status: 'critical', counts: { bySeverity: { info: 0, warning: 2, critical: 1 } } } as Parameters<
            typeof summarySubject
          >[0],
          environment,
        );
        expect(subject.length).toBeLessThanOrEqual(100);
        expect(subject).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
    expect(snsSubject('a\nb\u00e9c', { unprintable: ' ' })).toBe('a b c');
  });
});

describe('mapWithConcurrency', () => {
  it('keeps at most `limit` tasks in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, n));
      inFlight -= 1;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
    await expect(mapWithConcurrency([1], 0, async (n) => n)).rejects.toThrow(
      'concurrency must be a positive integer, got 0',
    );
  });
});
