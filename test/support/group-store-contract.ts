import { type GroupStore, type OwedPredicate, updateEntry } from '../../lambdas/adapters/group-store';
import type { GroupRecord, StoredFamily } from '../../lambdas/domain/group-record';
import {
  commitEntry,
  finishEntry,
  type GroupEntry,
  needsRepair,
  type SyncTiming,
} from '../../lambdas/domain/group-sync';
import { type GroupingKey, groupingKeyId } from '../../lambdas/domain/grouping-key';

/** The replicas the contract's entries are owed to. */
export const CONTRACT_REPLICAS = ['pushgateway-0', 'pushgateway-1'] as const;
const isOwed: OwedPredicate = (entry) => needsRepair(entry, CONTRACT_REPLICAS);
const timing: SyncTiming = { leaseMs: 5000, writerExpiryMs: 60_000 };

/** One store under test, empty, and how to let it go. */
export interface OpenedStore {
  /**
   * `count` handles onto this one store, as that many processes hold it: separate clients of one table for
   * DynamoDB; the same instance for the local file store, which one process owns.
   */
  readonly handles: readonly GroupStore[];
  close(): Promise<void>;
}

/** Opens a new, empty store with `count` handles onto it; the store is built with `isOwed` (CONTRACT_REPLICAS). */
export type OpenStore = (count: number, isOwed: OwedPredicate) => Promise<OpenedStore>;

function family(text: string): StoredFamily {
  return { name: 'x', type: 'gauge', sampleCount: text.split('\n').filter(Boolean).length, text };
}

function record(key: GroupingKey, version: number, text = `x ${version}\n`, deleted = false): GroupRecord {
  return { id: groupingKeyId(key), key, version, deleted, families: deleted ? [] : [family(text)] };
}

/**
 * What every GroupStore must do, whatever it stores in: the ingestion's linearizability per group rests on it.
 * Run by each store's own test file (`describe` inside), each test on a new, empty store.
 */
export function groupStoreContract(open: OpenStore): void {
  let opened: OpenedStore | undefined;
  const openStore = async (count = 1) => {
    opened = await open(count, isOwed);
    return opened.handles;
  };
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('creates an entry only if none is stored, and replaces it only over the rev it read', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    const key = { job: 'a' };
    const first = commitEntry(undefined, record(key, 1), 'w1', 0, timing).entry;
    expect(await store.put(first, undefined)).toBe(true);
    expect(await store.put(first, undefined)).toBe(false);
    const second = commitEntry(first, record(key, 2), 'w2', 1, timing).entry;
    expect(await store.put(second, first.rev + 5)).toBe(false);
    expect(await store.get(first.record.id)).toEqual(first);
    expect(await store.put(second, first.rev)).toBe(true);
    expect(await store.get(first.record.id)).toEqual(second);
    expect(await store.get('job="absent"')).toBeUndefined();
  });

  it('gives back every field it was given: writers, proofs, leases, protobuf families, non-ASCII labels', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    const key = { job: 'ünïcødé', instance: 'häst:9100', zone: '東京' };
    const withProtobuf: StoredFamily = {
      ...family('y 1\n'),
      name: 'y',
      protobuf: Buffer.from([8, 1, 18, 0]).toString('base64'),
    };
    const entry: GroupEntry = {
      record: { ...record(key, 7), families: [family('x{a="b"} 1.5\n'), withProtobuf] },
      rev: 41,
      begins: 9,
      writers: { 'push-1': 1_764_500_000_123, 'repair-2': 1_764_500_000_456 },
      abandonedUntil: 1_764_500_005_000,
      synced: { 'pushgateway-0': 7, 'pushgateway-1': 6 },
      // Acknowledged up to 6; version 7 condemned by a conflict (group-sync.ts).
      acked: 6,
      lost: 7,
      lostReason: 'second metric "shared" is not a GAUGE',
    };
    expect(await store.put(entry, undefined)).toBe(true);
    expect(await store.get(entry.record.id)).toEqual(entry);
    expect(await store.all()).toEqual([entry]);
  });

  it('keeps a tombstone (listed, owed until proven) and removes an entry only at the rev given', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    const key = { job: 'gone' };
    const live = commitEntry(undefined, record(key, 1), 'w1', 0, timing).entry;
    await store.put(live, undefined);
    const tomb = commitEntry(live, record(key, 2, '', true), 'w2', 1, timing).entry;
    expect(await store.put(tomb, live.rev)).toBe(true);
    expect(await store.get(tomb.record.id)).toEqual(tomb);
    expect((await store.all()).map((e) => [e.record.id, e.record.deleted])).toEqual([[tomb.record.id, true]]);
    // A tombstone stays owed even when every replica proved it: the repair drops it.
    const proven = { ...tomb, rev: tomb.rev + 1, writers: {}, synced: { 'pushgateway-0': 2, 'pushgateway-1': 2 } };
    expect(await store.put(proven, tomb.rev)).toBe(true);
    expect((await store.owed(10)).map((e) => e.record.id)).toEqual([tomb.record.id]);
    expect(await store.remove(tomb.record.id, tomb.rev)).toBe(false);
    expect(await store.get(tomb.record.id)).toEqual(proven);
    expect(await store.remove(tomb.record.id, proven.rev)).toBe(true);
    expect(await store.get(tomb.record.id)).toBeUndefined();
    expect(await store.all()).toEqual([]);
    expect(await store.owed(10)).toEqual([]);
    // A removed group starts again from nothing.
    expect(await store.put(live, undefined)).toBe(true);
  });

  it('keeps named values apart from the groups', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    expect(await store.getMeta('initialized')).toBeUndefined();
    await store.putMeta('initialized', '2026-11-30');
    await store.putMeta('initialized', '2026-12-01');
    expect(await store.getMeta('initialized')).toBe('2026-12-01');
    await store.put(commitEntry(undefined, record({ job: 'a' }, 1), 'w', 0, timing).entry, undefined);
    expect((await store.all()).map((e) => e.record.id)).toEqual(['job="a"']);
    expect(await store.get('initialized')).toBeUndefined();
  });

  it('keeps family marks apart from groups, and sets one only over the epoch read (none: only if absent)', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    const long = `n${'x'.repeat(3000)}`;
    const names = ['shared', 'x', long, 'absent'];
    expect((await store.getMarks(names)).size).toBe(0);
    expect(await store.putMark('shared', { value: 'gauge', epoch: 1, pending: false }, undefined)).toBe(true);
    expect(await store.putMark('shared', { value: 'counter', epoch: 1, pending: false }, undefined)).toBe(false);
    expect(await store.putMark('shared', { value: 'counter', epoch: 2, pending: true }, 7)).toBe(false);
    expect(await store.putMark('shared', { value: 'counter', epoch: 2, pending: true }, 1)).toBe(true);
    expect(await store.putMark(long, { value: 'summary', epoch: 1, pending: false }, undefined)).toBe(true);
    // A mark named like a group or a named value is none of them.
    expect(await store.putMark('x', { value: 'histogram', epoch: 1, pending: false }, undefined)).toBe(true);
    await store.put(commitEntry(undefined, record({ job: 'a' }, 1), 'w', 0, timing).entry, undefined);
    expect(await store.getMarks(names)).toEqual(
      new Map([
        ['shared', { value: 'counter', epoch: 2, pending: true }],
        [long, { value: 'summary', epoch: 1, pending: false }],
        ['x', { value: 'histogram', epoch: 1, pending: false }],
      ]),
    );
    expect((await store.all()).map((e) => e.record.id)).toEqual(['job="a"']);
    expect(await store.owed(10)).toHaveLength(1);
    expect(await store.getMeta('shared')).toBeUndefined();
  });

  it('reads marks of more names than one batch holds', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    const names = Array.from({ length: 250 }, (_, i) => `family_${i}`);
    for (const name of names.filter((_, i) => i % 3 !== 0)) {
      expect(await store.putMark(name, { value: 'gauge', epoch: 1, pending: false }, undefined)).toBe(true);
    }
    const marks = await store.getMarks(names);
    expect([...marks.keys()].sort()).toEqual(names.filter((_, i) => i % 3 !== 0).sort());
  });

  it('lets exactly one of several handles claim a mark over the same epoch', async () => {
    const handles = await openStore(4);
    await handles[0]?.putMark('shared', { value: 'gauge', epoch: 1, pending: false }, undefined);
    const won = await Promise.all(
      handles.map((store, i) =>
        store.putMark('shared', { value: i % 2 ? 'counter' : 'summary', epoch: 2, pending: true }, 1),
      ),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = won.indexOf(true);
    for (const store of handles) {
      expect((await store.getMarks(['shared'])).get('shared')?.value).toBe(winner % 2 ? 'counter' : 'summary');
    }
  });

  it('lists owed entries up to the limit, and drops an entry from them once every replica is proven', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    const begun = [];
    for (let i = 0; i < 5; i++) {
      const made = commitEntry(undefined, record({ job: `j${i}` }, 1), `w${i}`, 0, timing);
      await store.put(made.entry, undefined);
      begun.push(made);
    }
    expect((await store.owed(10)).map((e) => e.record.id).sort()).toEqual(begun.map((b) => b.entry.record.id).sort());
    expect(await store.owed(3)).toHaveLength(3);
    const [first] = begun;
    if (!first) throw new Error('nothing begun');
    const done = finishEntry(
      first.entry,
      first.writer,
      { 'pushgateway-0': 'applied', 'pushgateway-1': 'applied' },
      1,
      timing,
    );
    expect(isOwed(done)).toBe(false);
    expect(await store.put(done, first.entry.rev)).toBe(true);
    const owed = (await store.owed(10)).map((e) => e.record.id);
    expect(owed).toHaveLength(4);
    expect(owed).not.toContain(first.entry.record.id);
  });

  it('never lets a writer that read an older rev overwrite a newer record', async () => {
    const [a, b] = await openStore(2);
    if (!a || !b) throw new Error('no handles');
    const key = { job: 'race' };
    await a.put(commitEntry(undefined, record(key, 1), 'w0', 0, timing).entry, undefined);
    const readByA = await a.get(groupingKeyId(key));
    const readByB = await b.get(groupingKeyId(key));
    if (!readByA || !readByB) throw new Error('not stored');
    const fromB = commitEntry(readByB, record(key, 2, 'x 20\n'), 'wb', 1, timing).entry;
    expect(await b.put(fromB, readByB.rev)).toBe(true);
    // A still holds rev 1's view: its write (an older value) is refused, the newer one stays.
    const fromA = commitEntry(readByA, record(key, 2, 'x 10\n'), 'wa', 1, timing).entry;
    expect(await a.put(fromA, readByA.rev)).toBe(false);
    expect(await a.get(groupingKeyId(key))).toEqual(fromB);
    expect(await a.remove(groupingKeyId(key), readByA.rev)).toBe(false);
    expect(await b.get(groupingKeyId(key))).toEqual(fromB);
  });

  it('serialises concurrent writers of one group from several handles: each acknowledged write is one version, the last acknowledged wins', async () => {
    let refused = 0;
    // Each handle as the writers use it, counting the writes the store refused (another writer came first).
    const handles = (await openStore(4)).map(
      (store): GroupStore => ({
        get: (id) => store.get(id),
        put: async (entry, rev) => {
          const stored = await store.put(entry, rev);
          if (!stored) refused++;
          return stored;
        },
        remove: (id, rev) => store.remove(id, rev),
        all: () => store.all(),
        owed: (limit) => store.owed(limit),
        getMeta: (name) => store.getMeta(name),
        putMeta: (name, value) => store.putMeta(name, value),
        getMarks: (names) => store.getMarks(names),
        putMark: (name, mark, epoch) => store.putMark(name, mark, epoch),
      }),
    );
    const key = { job: 'contended' };
    const id = groupingKeyId(key);
    const writersPerHandle = 2;
    const writesEach = 10;
    const acknowledged: { version: number; text: string }[] = [];
    let gaveUp = 0;
    await Promise.all(
      handles.flatMap((store, h) =>
        Array.from({ length: writersPerHandle }, async (_, w) => {
          for (let n = 0; n < writesEach; n++) {
            const text = `x{writer="${h}-${w}"} ${n}\n`;
            try {
              const done = await updateEntry(
                store,
                id,
                (current) => {
                  const version = (current?.record.version ?? 0) + 1;
                  const { entry } = commitEntry(current, record(key, version, text), `w${h}-${w}-${n}`, n, timing);
                  return { entry, result: version };
                },
                { attempts: 200 },
              );
              if (done) acknowledged.push({ version: done.result, text });
            } catch {
              gaveUp++;
            }
          }
        }),
      ),
    );
    const attempted = handles.length * writersPerHandle * writesEach;
    const final = await handles[0]?.get(id);
    // Counts: acknowledged + given up = attempted; the final version = acknowledged (no acknowledged write lost or
    // applied twice); acknowledged versions are exactly 1..n; the final content is the last acknowledged write's.
    expect(acknowledged.length + gaveUp).toBe(attempted);
    // The writers did contend: without refused writes this would prove nothing about the conditional write.
    expect(refused).toBeGreaterThan(0);
    expect(final?.record.version).toBe(acknowledged.length);
    expect(acknowledged.map((a) => a.version).sort((x, y) => x - y)).toEqual(
      Array.from({ length: acknowledged.length }, (_, i) => i + 1),
    );
    const last = acknowledged.reduce((x, y) => (y.version > x.version ? y : x));
    expect(final?.record.families[0]?.text).toBe(last.text);
    for (const store of handles) expect(await store.get(id)).toEqual(final);
  });

  it('stores groups whatever the length of their grouping key, apart from each other', async () => {
    const [store] = await openStore();
    if (!store) throw new Error('no handle');
    // A job name is a URL path segment: nothing bounds it but the request line. 3,000 bytes is past DynamoDB's
    // 2,048-byte partition key; 1,500 bytes past its 1,024-byte sort key (the owed index sorts by the key).
    const keys: GroupingKey[] = [
      { job: 'j'.repeat(3000) },
      { job: 'j'.repeat(3000), instance: 'other' },
      { job: 'k'.repeat(1500) },
      { job: 'ö'.repeat(600) },
      { job: 'short' },
    ];
    const entries = keys.map((key) => commitEntry(undefined, record(key, 1), 'w', 0, timing).entry);
    for (const entry of entries) expect(await store.put(entry, undefined)).toBe(true);
    for (const entry of entries) expect(await store.get(entry.record.id)).toEqual(entry);
    const byId = (list: GroupEntry[]) => list.map((e) => e.record.id).sort();
    expect(byId(await store.all())).toEqual(byId(entries));
    expect(byId(await store.owed(10))).toEqual(byId(entries));
    const [longest] = entries;
    if (!longest) throw new Error('no entries');
    expect(await store.put(longest, undefined)).toBe(false);
    expect(await store.remove(longest.record.id, longest.rev)).toBe(true);
    expect(await store.get(longest.record.id)).toBeUndefined();
    expect(byId(await store.all())).toEqual(byId(entries.slice(1)));
  });
}
