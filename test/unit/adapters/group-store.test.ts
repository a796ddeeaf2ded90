import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { FileGroupStore, stateLine } from '../../../lambdas/adapters/group-store';
import {
  commitEntry,
  type GroupEntry,
  needsRepair,
  type SyncTiming,
  writerTable,
} from '../../../lambdas/domain/group-sync';
import { eventually } from '../../support/eventually';

const timing: SyncTiming = { leaseMs: 5000, writerExpiryMs: 60_000 };
const owed = (e: Parameters<typeof needsRepair>[0]) => needsRepair(e, ['pushgateway-0']);
const entry = (id: string, version: number, previous?: Parameters<typeof commitEntry>[0]) =>
  commitEntry(
    previous,
    {
      id,
      key: { job: id },
      version,
      deleted: false,
      families: [{ name: 'x', type: 'untyped', sampleCount: 1, text: `x ${version}\n` }],
    },
    `w${version}`,
    0,
    timing,
  ).entry;

describe('FileGroupStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-store-'));
    file = path.join(dir, 'store.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes only over the rev it was given, and keeps everything across a reopen', async () => {
    const store = new FileGroupStore(file, owed);
    const v1 = entry('a', 1);
    expect(await store.put(v1, undefined)).toBe(true);
    expect(await store.put(entry('a', 1), undefined)).toBe(false);
    const v2 = entry('a', 2, v1);
    expect(await store.put(v2, v1.rev + 1)).toBe(false);
    expect(await store.put(v2, v1.rev)).toBe(true);
    await store.putMeta('initialized', 'yes');
    await store.putMark('shared', { value: 'gauge', epoch: 1, pending: false }, undefined);
    await store.putMark('shared', { value: 'counter', epoch: 2, pending: true }, 1);
    await store.close();
    const reopened = new FileGroupStore(file, owed);
    expect(await reopened.get('a')).toEqual(v2);
    expect(await reopened.getMeta('initialized')).toBe('yes');
    expect(await reopened.getMarks(['shared'])).toEqual(
      new Map([['shared', { value: 'counter', epoch: 2, pending: true }]]),
    );
    expect((await reopened.owed(10)).map((e) => e.record.id)).toEqual(['a']);
    await reopened.close();
  });

  it('ignores a torn last line (a put that never resolved) and removes by rev', async () => {
    const store = new FileGroupStore(file, owed);
    const a = entry('a', 1);
    await store.put(a, undefined);
    await store.put(entry('b', 1), undefined);
    expect(await store.remove('b', 99)).toBe(false);
    expect(await store.remove('b', 1)).toBe(true);
    await store.close();
    fs.appendFileSync(file, '{"r":{"id":"c","key":{"job":"c"},"ver');
    const reopened = new FileGroupStore(file, owed);
    expect((await reopened.all()).map((e) => e.record.id)).toEqual(['a']);
    await reopened.close();
  });

  const groupLines = () =>
    fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('{"m":'));

  it('with sync always, shares one fsync between concurrent puts and resolves each once its line is written', async () => {
    const store = new FileGroupStore(file, owed, { sync: 'always' });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(entry(`g${i}`, 1), undefined)));
    expect(results.every(Boolean)).toBe(true);
    expect(groupLines().length).toBe(100);
    await store.close();
  });

  it('with sync none (the default), a record is in the file when its put resolves: a killed process keeps it', async () => {
    const store = new FileGroupStore(file, owed);
    const v1 = entry('a', 1);
    await store.put(v1, undefined);
    // No close, no turn of the event loop: what a kill -9 right after the put resolved leaves.
    expect(groupLines()).toHaveLength(2);
    const afterKill = new FileGroupStore(file, owed);
    expect(await afterKill.get('a')).toEqual(v1);
    await afterKill.close();
    await store.close();
  });

  it('with sync none, writes a change of sync state alone within moments, or with the next record before it', async () => {
    const store = new FileGroupStore(file, owed);
    const v1 = entry('a', 1);
    await store.put(v1, undefined);
    const synced = { ...v1, rev: v1.rev + 1, synced: { 'pushgateway-0': 1 } };
    await store.put(synced, v1.rev);
    // Not on the push's path: deferred, so one write carries every change meanwhile.
    expect(groupLines()).toHaveLength(2);
    await eventually(() => expect(groupLines()).toHaveLength(3), { timeoutMs: 2000, intervalMs: 5 });
    // Deferred again, then a record: the state line goes first, so a reload applies them in order.
    const again = { ...synced, rev: synced.rev + 1, synced: {} };
    await store.put(again, synced.rev);
    const v2 = entry('a', 2, again);
    await store.put(v2, again.rev);
    expect(groupLines()).toHaveLength(6);
    const reopened = new FileGroupStore(file, owed);
    expect(await reopened.get('a')).toEqual(v2);
    await reopened.close();
    await store.close();
  });

  it('with sync none, writes one state line per group for every change of sync state alone meanwhile', async () => {
    const store = new FileGroupStore(file, owed);
    const a = entry('a', 1);
    const b = entry('b', 1);
    await store.put(a, undefined);
    await store.put(b, undefined);
    let lastA = a;
    for (let i = 1; i <= 5; i++) {
      const next = { ...lastA, rev: lastA.rev + 1, synced: { 'pushgateway-0': i } };
      await store.put(next, lastA.rev);
      lastA = next;
    }
    const lastB = { ...b, rev: b.rev + 1, synced: { 'pushgateway-1': 1 } };
    await store.put(lastB, b.rev);
    expect(await store.get('a')).toEqual(lastA);
    expect(groupLines()).toHaveLength(4);
    // Six changes, two groups: two lines, each the group's latest state.
    await eventually(() => expect(groupLines()).toHaveLength(6), { timeoutMs: 2000, intervalMs: 5 });
    expect(
      groupLines()
        .slice(4)
        .map((line) => JSON.parse(line).s.rev),
    ).toEqual([lastA.rev, lastB.rev]);
    // Live: both records and these two states (the states written with the records are superseded).
    const live = groupLines().filter((_, i) => i !== 1 && i !== 3);
    expect(store.liveLength()).toBe(live.reduce((sum, line) => sum + line.length + 1, 0));
    const reopened = new FileGroupStore(file, owed);
    expect([await reopened.get('a'), await reopened.get('b')]).toEqual([lastA, lastB]);
    await reopened.close();
    await store.close();
  });

  it('trusts no proof after a reboot when the last run did not fsync', async () => {
    const runs: [string, 'always' | 'none', string, boolean][] = [
      ['boot-1', 'none', 'boot-1', false],
      ['boot-1', 'none', 'boot-2', true],
      ['boot-1', 'always', 'boot-2', false],
    ];
    for (const [firstBoot, sync, secondBoot, rebooted] of runs) {
      fs.rmSync(file, { force: true });
      const first = new FileGroupStore(file, owed, { sync, bootId: firstBoot });
      expect(first.rebooted).toBe(false);
      await first.put(entry('a', 1), undefined);
      await first.close();
      const second = new FileGroupStore(file, owed, { bootId: secondBoot });
      expect([sync, secondBoot, second.rebooted]).toEqual([sync, secondBoot, rebooted]);
      await second.close();
    }
  });

  it('keeps the live length of its entries current through puts, state changes and removes (as a reopen counts it)', async () => {
    type Op = { kind: 'record' | 'state' | 'remove'; group: number; size: number };
    const op: fc.Arbitrary<Op> = fc.record({
      kind: fc.constantFrom<Op['kind']>('record', 'state', 'remove'),
      group: fc.integer({ min: 0, max: 4 }),
      size: fc.integer({ min: 0, max: 300 }),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const runFile = path.join(dir, `live-${run++}.jsonl`);
        const store = new FileGroupStore(runFile, owed);
        for (const { kind, group, size } of ops) {
          const id = `g${group}`;
          const current = await store.get(id);
          if (kind === 'remove') {
            if (current) await store.remove(id, current.rev);
          } else if (kind === 'state' && current) {
            await store.put({ ...current, rev: current.rev + 1, synced: { 'pushgateway-0': size } }, current.rev);
          } else {
            const next = entry(id, (current?.record.version ?? 0) + 1, current);
            const record = {
              ...next.record,
              families: [{ ...next.record.families[0], text: `x${'y'.repeat(size)} 1\n` }],
            };
            await store.put({ ...next, record } as typeof next, current?.rev);
          }
        }
        await store.close();
        const reopened = new FileGroupStore(runFile, owed);
        const fromScratch = reopened.liveLength();
        await reopened.close();
        expect(store.liveLength()).toBe(fromScratch);
      }),
      { numRuns: 200 },
    );
  });

  it('rewrites its file between repair passes once it is mostly superseded lines, and not before', async () => {
    const store = new FileGroupStore(file, owed);
    let current = entry('a', 1);
    await store.put(current, undefined);
    const size = () => fs.statSync(file).size;
    // One group pushed again and again: every record line but the last is superseded.
    while (size() < 900_000) {
      const next = entry('a', current.record.version + 1, current);
      await store.put(next, current.rev);
      current = next;
    }
    await store.compact();
    expect(size()).toBeGreaterThan(900_000);
    while (size() < 1_100_000) {
      const next = entry('a', current.record.version + 1, current);
      await store.put(next, current.rev);
      current = next;
    }
    await store.compact();
    const compacted = size();
    expect(compacted).toBeLessThan(50_000);
    // What a reopen writes from scratch: the live lines alone.
    const reopened = new FileGroupStore(file, owed);
    expect(size()).toBe(compacted);
    expect(await reopened.get('a')).toEqual(current);
    await reopened.close();
    await store.close();
  });
});

describe('stateLine', () => {
  it('writes what JSON.stringify writes for the entry without its record, whatever its writers object is', () => {
    const numbers = fc.dictionary(
      fc.oneof(fc.constantFrom('pushgateway-0', 'pushgateway-1'), fc.string()),
      fc.oneof(fc.integer(), fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            rev: fc.nat(),
            begins: fc.nat(),
            writers: numbers,
            abandonedUntil: fc.nat(),
            synced: numbers,
            acked: fc.nat(),
            lost: fc.nat(),
            lostReason: fc.string(),
          },
          { requiredKeys: ['rev', 'begins', 'writers', 'abandonedUntil', 'synced'] },
        ),
        fc.boolean(),
        (state, dictionary) => {
          const record = entry('g"1', 1).record;
          const writers = dictionary ? writerTable(state.writers) : state.writers;
          const stored = { record, ...state, writers } as GroupEntry;
          const { record: _r, ...rest } = stored;
          expect(stateLine(stored)).toBe(JSON.stringify({ s: { id: record.id, ...rest, writers: { ...writers } } }));
        },
      ),
      { numRuns: 500 },
    );
  });
});
