import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileGroupStore } from '../../../lambdas/adapters/group-store';
import { commitEntry, needsRepair, type SyncTiming } from '../../../lambdas/domain/group-sync';

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
    await store.close();
    const reopened = new FileGroupStore(file, owed);
    expect(await reopened.get('a')).toEqual(v2);
    expect(await reopened.getMeta('initialized')).toBe('yes');
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

  it('shares one fsync between concurrent puts and resolves each once its line is written', async () => {
    const store = new FileGroupStore(file, owed);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(entry(`g${i}`, 1), undefined)));
    expect(results.every(Boolean)).toBe(true);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBe(100);
    await store.close();
  });
});
