import * as zlib from 'node:zlib';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { DELETE_TOMBSTONE_MS, type JournalEntry, type RepairJournal } from './repair-journal';

/**
 * The repair journal in DynamoDB: partition `replica`, sort key `id` (time-ordered), so the oldest entries owed to a
 * replica come first from one Query. Bodies above {@link COMPRESS_ABOVE_BYTES} are stored gzipped (the
 * Pushgateway takes `Content-Encoding: gzip`) to stay under DynamoDB's 400 KB item limit; a body that still does
 * not fit makes `append` throw, and the handler then does not acknowledge the push.
 * Delete tombstones live in the partition {@link TOMBSTONE_PARTITION}, expired by the table's TTL.
 */
export const TOMBSTONE_PARTITION = '#deleted';
export const COMPRESS_ABOVE_BYTES = 32 * 1024;
/** DynamoDB's item limit is 400 KB; keep room for the other attributes. */
export const MAX_STORED_BODY_BYTES = 380 * 1024;

export class DynamoDbRepairJournal implements RepairJournal {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(entries: readonly JournalEntry[]): Promise<void> {
    const items = entries.map((entry) => {
      let stored = entry;
      const raw = Buffer.from(entry.body, 'base64');
      if (!entry.contentEncoding && raw.byteLength > COMPRESS_ABOVE_BYTES) {
        stored = { ...entry, body: zlib.gzipSync(raw).toString('base64'), contentEncoding: 'gzip' };
      }
      if (stored.body.length > MAX_STORED_BODY_BYTES) {
        throw new Error(`push ${entry.id} is too large for the repair journal (${stored.body.length} bytes base64)`);
      }
      return stored;
    });
    for (let i = 0; i < items.length; i += 25) {
      const chunk = items.slice(i, i + 25);
      if (chunk.length === 1 && chunk[0]) {
        await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...chunk[0] } }));
        continue;
      }
      let request: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> | undefined = {
        [this.tableName]: chunk.map((item) => ({ PutRequest: { Item: { ...item } } })),
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt > 5) throw new Error('repair journal: DynamoDB kept items unprocessed');
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: request }));
        request = result.UnprocessedItems as typeof request;
        if (request && Object.keys(request).length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }

  async pending(replica: string, limit = 100): Promise<JournalEntry[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'replica = :r',
        ExpressionAttributeValues: { ':r': replica },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []) as JournalEntry[];
  }

  async hasPending(replica: string): Promise<boolean> {
    return (await this.pending(replica, 1)).length > 0;
  }

  async remove(entry: JournalEntry): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { replica: entry.replica, id: entry.id } }),
    );
  }

  async noteDeleted(groupId: string, at: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          replica: TOMBSTONE_PARTITION,
          id: `${at.toISOString()}#${groupId}`,
          expiresAt: Math.ceil((at.getTime() + 2 * DELETE_TOMBSTONE_MS) / 1000),
        },
      }),
    );
  }

  async recentlyDeleted(since: Date): Promise<Set<string>> {
    const ids = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'replica = :r AND id >= :since',
          ExpressionAttributeValues: { ':r': TOMBSTONE_PARTITION, ':since': since.toISOString() },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        const id = String(item.id);
        ids.add(id.slice(id.indexOf('#') + 1));
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }
}
