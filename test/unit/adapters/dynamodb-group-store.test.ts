import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDbGroupStore,
  fromItem,
  groupKey,
  MAX_CONTENT_BYTES,
  MAX_KEY_BYTES,
  toItem,
} from '../../../lambdas/adapters/dynamodb-group-store';
import { GroupTooLargeError } from '../../../lambdas/adapters/group-store';
import { commitEntry, finishEntry, needsRepair, type SyncTiming } from '../../../lambdas/domain/group-sync';

/**
 * The DynamoDB calls the store makes, answered by a table in memory at the SDK boundary. What it does is what the
 * DynamoDB API reference says of each call: PutItem/DeleteItem with a ConditionExpression fail with
 * ConditionalCheckFailedException when the condition is false; a sparse GSI holds only items with its key attribute.
 */
const documents = mockClient(DynamoDBDocumentClient);
let table: Map<string, Record<string, unknown>>;

function conditionHolds(
  item: Record<string, unknown> | undefined,
  expression?: string,
  values?: Record<string, unknown>,
) {
  if (!expression) return true;
  if (expression === 'attribute_not_exists(id)') return item === undefined;
  if (expression === 'rev = :rev') return item !== undefined && item.rev === values?.[':rev'];
  throw new Error(`condition not understood by the stand-in: ${expression}`);
}

const failed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  table = new Map();
  documents.reset();
  documents.on(GetCommand).callsFake((input) => ({ Item: table.get(input.Key.id) }));
  documents.on(PutCommand).callsFake((input) => {
    if (!conditionHolds(table.get(input.Item.id), input.ConditionExpression, input.ExpressionAttributeValues)) {
      throw failed();
    }
    table.set(input.Item.id, structuredClone(input.Item));
    return {};
  });
  documents.on(DeleteCommand).callsFake((input) => {
    if (!conditionHolds(table.get(input.Key.id), input.ConditionExpression, input.ExpressionAttributeValues)) {
      throw failed();
    }
    table.delete(input.Key.id);
    return {};
  });
  documents.on(ScanCommand).callsFake((input) => {
    // The store's filter: `begins_with(id, :a) OR begins_with(id, :b)`.
    expect(input.FilterExpression).toBe('begins_with(id, :group) OR begins_with(id, :long)');
    const prefixes = Object.values(input.ExpressionAttributeValues ?? {}).map(String);
    return { Items: [...table.values()].filter((i) => prefixes.some((p) => String(i.id).startsWith(p))) };
  });
  documents.on(QueryCommand).callsFake((input) => {
    expect(input.IndexName).toBe('owed');
    return { Items: [...table.values()].filter((i) => i.owed === 'owed').map((i) => ({ id: i.id, owed: i.owed })) };
  });
});

const timing: SyncTiming = { leaseMs: 5000, writerExpiryMs: 60_000 };
const replicas = ['pushgateway-0', 'pushgateway-1'];
const store = new DynamoDbGroupStore(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  'groups',
  (e) => needsRepair(e, replicas),
);
const record = (version: number, text = `x ${version}\n`) => ({
  id: 'job="a"',
  key: { job: 'a' },
  version,
  deleted: false,
  families: [{ name: 'x', type: 'untyped' as const, sampleCount: 1, text }],
});

describe('DynamoDbGroupStore', () => {
  it('creates an entry only if absent and replaces it only over the rev it read', async () => {
    const first = commitEntry(undefined, record(1), 'w1', 0, timing).entry;
    expect(await store.put(first, undefined)).toBe(true);
    expect(await store.put(first, undefined)).toBe(false);
    const second = commitEntry(first, record(2), 'w2', 1, timing).entry;
    expect(await store.put(second, first.rev + 5)).toBe(false);
    expect(await store.put(second, first.rev)).toBe(true);
    expect(await store.get('job="a"')).toEqual(second);
    expect(documents.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });

  it('stores the content gzipped, and refuses a group too large for an item (the push is answered 413)', async () => {
    const { entry } = commitEntry(undefined, record(1), 'w1', 0, timing);
    await store.put(entry, undefined);
    expect(table.get('g#job="a"')?.content).toBeInstanceOf(Uint8Array);
    // Random text hardly compresses: ~1 MB of it cannot fit.
    const noise = Array.from({ length: 100_000 }, () => Math.random().toString(36).slice(2)).join(' ');
    const big = commitEntry(undefined, { ...record(1, noise), id: 'job="b"', key: { job: 'b' } }, 'w', 0, timing).entry;
    await expect(store.put(big, undefined)).rejects.toThrow(GroupTooLargeError);
    await expect(store.put(big, undefined)).rejects.toThrow(`above its limit of ${MAX_CONTENT_BYTES}`);
  });

  it('compresses a record once however often it is put, and puts a record it read with the bytes it read', () => {
    const { entry, writer } = commitEntry(undefined, record(1, 'x{a="1"} 1\n'), 'w1', 0, timing);
    const committed = toItem(entry, true);
    // The acknowledgement (and every proof the repair records) puts the same record with another sync state.
    const acknowledged = toItem(finishEntry(entry, writer, { 'pushgateway-0': 'applied' }, 1, timing), false);
    expect(acknowledged.content).toBe(committed.content);
    const read = fromItem(committed);
    expect(read).toEqual(entry);
    expect(toItem({ ...read, rev: read.rev + 1 }, false).content).toBe(committed.content);
    // Another record of equal content is compressed on its own, to the same bytes.
    const again = toItem(commitEntry(undefined, record(1, 'x{a="1"} 1\n'), 'w2', 0, timing).entry, true);
    expect(again.content).not.toBe(committed.content);
    expect(Buffer.from(again.content).equals(Buffer.from(committed.content))).toBe(true);
  });

  it('lists owed entries from the sparse index, re-reading each (the index lags), and drops the marker when proven', async () => {
    const { entry, writer } = commitEntry(undefined, record(1), 'w1', 0, timing);
    await store.put(entry, undefined);
    expect(table.get('g#job="a"')?.owed).toBe('owed');
    expect((await store.owed(10)).map((e) => e.record.id)).toEqual(['job="a"']);
    const done = finishEntry(entry, writer, { 'pushgateway-0': 'applied', 'pushgateway-1': 'applied' }, 1, timing);
    expect(await store.put(done, entry.rev)).toBe(true);
    expect(table.get('g#job="a"')?.owed).toBeUndefined();
    expect(await store.owed(10)).toEqual([]);
  });

  it('keeps named values apart from groups and removes a group by rev', async () => {
    await store.putMeta('initialized', '2026-11-30');
    expect(await store.getMeta('initialized')).toBe('2026-11-30');
    const { entry } = commitEntry(undefined, record(1), 'w1', 0, timing);
    await store.put(entry, undefined);
    expect((await store.all()).map((e) => e.record.id)).toEqual(['job="a"']);
    expect(await store.remove('job="a"', entry.rev + 1)).toBe(false);
    expect(await store.remove('job="a"', entry.rev)).toBe(true);
    expect(await store.all()).toEqual([]);
  });

  it('keys a group by its id while that fits a key, else by the SHA-256 of the id', () => {
    expect(groupKey('job="a"')).toBe('g#job="a"');
    const fits = `job="${'a'.repeat(MAX_KEY_BYTES - 8)}"`;
    expect(Buffer.byteLength(`g#${fits}`)).toBe(MAX_KEY_BYTES);
    expect(groupKey(fits)).toBe(`g#${fits}`);
    const long = `job="${'a'.repeat(MAX_KEY_BYTES - 7)}"`;
    expect(groupKey(long)).toMatch(/^h#[0-9a-f]{64}$/);
    expect(groupKey(long)).toBe(groupKey(long));
    expect(groupKey(long)).not.toBe(groupKey(`${long},instance="x"`));
    // Bytes, not characters: 600 two-byte characters are 1,200 bytes of key.
    expect(groupKey(`job="${'ö'.repeat(600)}"`)).toMatch(/^h#/);
  });

  it('stores a group with a long id under its hash, keeps the id beside it, and finds it through the owed index', async () => {
    const long = { ...record(1), id: `job="${'a'.repeat(2000)}"`, key: { job: 'a'.repeat(2000) } };
    const { entry } = commitEntry(undefined, long, 'w1', 0, timing);
    expect(await store.put(entry, undefined)).toBe(true);
    const item = table.get(groupKey(long.id));
    expect(item?.group).toBe(long.id);
    expect(await store.get(long.id)).toEqual(entry);
    expect(await store.owed(10)).toEqual([entry]);
    expect(await store.all()).toEqual([entry]);
  });
});
