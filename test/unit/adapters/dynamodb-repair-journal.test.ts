import * as zlib from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  COMPRESS_ABOVE_BYTES,
  DynamoDbRepairJournal,
  TOMBSTONE_PARTITION,
} from '../../../lambdas/adapters/dynamodb-repair-journal';
import type { JournalEntry } from '../../../lambdas/adapters/repair-journal';

const documents = mockClient(DynamoDBDocumentClient);
const journal = new DynamoDbRepairJournal(
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  'journal',
);

const entry = (body: string, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  id: '001-000001-abc',
  replica: 'pushgateway-1',
  method: 'PUT',
  path: '/metrics/job/batch',
  body: Buffer.from(body).toString('base64'),
  receivedAt: '2026-11-24T00:00:00.000Z',
  ...extra,
});

beforeEach(() => documents.reset());

describe('DynamoDbRepairJournal', () => {
  it('stores a small entry as is, keyed by replica and id', async () => {
    documents.on(PutCommand).resolves({});
    await journal.append([entry('x 1\n')]);
    const put = documents.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toEqual({ TableName: 'journal', Item: entry('x 1\n') });
  });

  it('gzips a large plain body so it fits an item, and the replica can still take it', async () => {
    documents.on(PutCommand).resolves({});
    const body = 'metric_with_a_long_name{label="value"} 1\n'.repeat(Math.ceil((COMPRESS_ABOVE_BYTES * 4) / 40));
    await journal.append([entry(body)]);
    const item = documents.commandCalls(PutCommand)[0]?.args[0].input.Item as JournalEntry;
    expect(item.contentEncoding).toBe('gzip');
    expect(zlib.gunzipSync(Buffer.from(item.body, 'base64')).toString()).toBe(body);
  });

  it('refuses (throws) an entry that cannot fit, so the push is not acknowledged', async () => {
    const random = Buffer.from(Array.from({ length: 400 * 1024 }, (_, i) => (i * 7919) % 251)).toString('base64');
    await expect(journal.append([entry('', { body: random, contentEncoding: 'gzip' })])).rejects.toThrow(
      /too large for the repair journal/,
    );
    expect(documents.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('reads the oldest entries of one replica with a consistent query, and removes by key', async () => {
    documents.on(QueryCommand).resolves({ Items: [entry('x 1\n')] });
    documents.on(DeleteCommand).resolves({});
    expect(await journal.pending('pushgateway-1', 10)).toEqual([entry('x 1\n')]);
    expect(documents.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      KeyConditionExpression: 'replica = :r',
      ExpressionAttributeValues: { ':r': 'pushgateway-1' },
      ConsistentRead: true,
      Limit: 10,
    });
    await journal.remove(entry('x 1\n'));
    expect(documents.commandCalls(DeleteCommand)[0]?.args[0].input).toEqual({
      TableName: 'journal',
      Key: { replica: 'pushgateway-1', id: '001-000001-abc' },
    });
  });

  it('keeps delete tombstones with a TTL and lists those since a time', async () => {
    documents.on(PutCommand).resolves({});
    const at = new Date('2026-11-24T01:00:00.000Z');
    await journal.noteDeleted('job="a"', at);
    expect(documents.commandCalls(PutCommand)[0]?.args[0].input.Item).toEqual({
      replica: TOMBSTONE_PARTITION,
      id: '2026-11-24T01:00:00.000Z#job="a"',
      expiresAt: Math.ceil(at.getTime() / 1000) + 20 * 60,
    });
    documents
      .on(QueryCommand)
      .resolves({ Items: [{ replica: TOMBSTONE_PARTITION, id: '2026-11-24T01:00:00.000Z#job="a"' }] });
    expect(await journal.recentlyDeleted(new Date('2026-11-24T00:55:00.000Z'))).toEqual(new Set(['job="a"']));
    expect(documents.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ':r': TOMBSTONE_PARTITION,
      ':since': '2026-11-24T00:55:00.000Z',
    });
  });
});
