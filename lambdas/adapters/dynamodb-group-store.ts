import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Mark } from '../domain/conflict-marks';
import type { GroupRecord } from '../domain/group-record';
import { GROUP_STORE_SCHEMA } from '../domain/group-store-schema';
import { type GroupEntry, writerTable } from '../domain/group-sync';
import { type GroupStore, GroupTooLargeError, type OwedPredicate } from './group-store';

/**
 * Partition key prefixes: a group's entry (`g#<group id>`; `h#<sha256 of the id>` when that would be too long for a
 * key, the id then kept in `group`), or a named value of the store.
 */
const GROUP = 'g#';
const LONG_GROUP = 'h#';
const META = 'm#';
/** A mark (conflict-marks.ts): `k#<mark name>`, or `k#h#<sha256 of the name>` when too long for a key. */
const MARK = 'k#';
/** BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_KEYS = 100;
/**
 * `id` is the table's partition key (at most 2,048 bytes) and the owed index's sort key (at most 1,024 bytes):
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-partition-sort-keys.
 * A group id is as long as its grouping key, which only the request line bounds.
 */
export const MAX_KEY_BYTES = 1024;
const { owedIndex: OWED_INDEX, owedAttribute: OWED_ATTRIBUTE } = GROUP_STORE_SCHEMA;
/**
 * DynamoDB's item limit is 400 KB (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html);
 * the record's content is stored gzipped and must leave room for the sync state.
 */
export const MAX_CONTENT_BYTES = 350 * 1024;

interface Item {
  readonly id: string;
  /** The group id, when `id` is its hash. */
  readonly group?: string;
  readonly content: Uint8Array;
  readonly version: number;
  readonly deleted: boolean;
  readonly committedAt?: number;
  readonly rev: number;
  readonly begins: number;
  readonly writers: Record<string, number>;
  readonly abandonedUntil: number;
  readonly synced: Record<string, number>;
  readonly acked?: number;
  readonly lost?: number;
  readonly lostReason?: string;
  readonly owed?: string;
}

/**
 * The repair store in DynamoDB: one item per group (key `g#<group id>`), written only if its `rev` is the one
 * read (a conditional put), so writers of a group are serialised by DynamoDB; reads are strongly consistent.
 * Entries the repair has work on carry the `owed` attribute, indexed sparsely, so a repair pass reads those only.
 */
export class DynamoDbGroupStore implements GroupStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly isOwed: OwedPredicate,
  ) {}

  async get(id: string): Promise<GroupEntry | undefined> {
    return this.getByKey(groupKey(id));
  }

  private async getByKey(key: string): Promise<GroupEntry | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id: key }, ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item as Item) : undefined;
  }

  async put(entry: GroupEntry, expectedRev: number | undefined): Promise<boolean> {
    return this.putIf(toItem(entry, this.isOwed(entry)), 'rev', expectedRev);
  }

  /**
   * Puts `item` if the stored one still has `attribute` (`rev` or `epoch`) = `expected` (undefined: if none is stored);
   * false when another write came first.
   */
  private async putIf(item: object, attribute: 'rev' | 'epoch', expected: number | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(id)' }
            : {
                // `rev` and `epoch` are not DynamoDB reserved words: used as they are.
                ConditionExpression: `${attribute} = :${attribute}`,
                ExpressionAttributeValues: { [`:${attribute}`]: expected },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async remove(id: string, expectedRev: number): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { id: groupKey(id) },
          ConditionExpression: 'rev = :rev',
          ExpressionAttributeValues: { ':rev': expectedRev },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async all(): Promise<GroupEntry[]> {
    const entries: GroupEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          FilterExpression: 'begins_with(id, :group) OR begins_with(id, :long)',
          ExpressionAttributeValues: { ':group': GROUP, ':long': LONG_GROUP },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) entries.push(fromItem(item as Item));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }

  async owed(limit: number): Promise<GroupEntry[]> {
    const keys: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: OWED_INDEX,
          KeyConditionExpression: '#owed = :owed',
          ExpressionAttributeNames: { '#owed': OWED_ATTRIBUTE },
          ExpressionAttributeValues: { ':owed': 'owed' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) keys.push(String(item.id));
      startKey = result.LastEvaluatedKey;
    } while (startKey && keys.length < limit);
    // The index is eventually consistent: read each entry for what it holds now.
    const entries: GroupEntry[] = [];
    for (const key of keys.slice(0, limit)) {
      const entry = await this.getByKey(key);
      if (entry && this.isOwed(entry)) entries.push(entry);
    }
    return entries;
  }

  async getMeta(name: string): Promise<string | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id: META + name }, ConsistentRead: true }),
    );
    const value = result.Item?.value;
    return typeof value === 'string' ? value : undefined;
  }

  async putMeta(name: string, value: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { id: META + name, value } }));
  }

  async getMarks(names: readonly string[]): Promise<Map<string, Mark>> {
    const byKey = new Map(names.map((name) => [markKey(name), name]));
    const found = new Map<string, Mark>();
    const keys = [...byKey.keys()];
    for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
      let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_KEYS).map((id) => ({ id }));
      // Keys DynamoDB left unprocessed (throttling, the 16 MB answer limit) are asked again, with a growing pause.
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** round)));
        const result = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const name = byKey.get(String(item.id));
          if (name !== undefined) {
            found.set(name, {
              value: String(item.value),
              epoch: Number(item.epoch),
              pending: Boolean(item.pending),
            });
          }
        }
        pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }

  async putMark(name: string, mark: Mark, expectedEpoch: number | undefined): Promise<boolean> {
    const item = { id: markKey(name), value: mark.value, epoch: mark.epoch, pending: mark.pending };
    return this.putIf(item, 'epoch', expectedEpoch);
  }
}

/** The item key of a mark (a family name or a grouping key is bounded only by the push size limits). */
function markKey(name: string): string {
  const plain = MARK + name;
  if (Buffer.byteLength(plain, 'utf8') <= MAX_KEY_BYTES) return plain;
  return `${MARK}h#${createHash('sha256').update(name, 'utf8').digest('hex')}`;
}

/** The item key of a group: its id, or the hash of an id too long for a key (see MAX_KEY_BYTES). */
export function groupKey(id: string): string {
  const plain = GROUP + id;
  if (Buffer.byteLength(plain, 'utf8') <= MAX_KEY_BYTES) return plain;
  return LONG_GROUP + createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * The stored content of each record (records are immutable): compressed once however often it is put (its commit,
 * then its acknowledgement and each proof the repair records are puts of the same record), and for a record read
 * from the table, the bytes it was read from.
 */
const contents = new WeakMap<GroupRecord, Uint8Array>();

function recordContent(record: GroupRecord): Uint8Array {
  let content = contents.get(record);
  if (content === undefined) {
    content = zlib.gzipSync(JSON.stringify({ key: record.key, families: record.families }));
    contents.set(record, content);
  }
  return content;
}

export function toItem(entry: GroupEntry, owed: boolean): Item {
  const { record } = entry;
  const id = groupKey(record.id);
  const hashed = !id.startsWith(GROUP);
  const content = recordContent(record);
  // A hashed key keeps the group id beside the content: it counts against the same room.
  const bytes = content.byteLength + (hashed ? Buffer.byteLength(record.id, 'utf8') : 0);
  if (bytes > MAX_CONTENT_BYTES) {
    throw new GroupTooLargeError(
      `group ${record.id} would take ${bytes} bytes compressed in the store, above its limit of ${MAX_CONTENT_BYTES}`,
    );
  }
  return {
    id,
    ...(hashed ? { group: record.id } : {}),
    content,
    version: record.version,
    deleted: record.deleted,
    ...(record.committedAt === undefined ? {} : { committedAt: record.committedAt }),
    rev: entry.rev,
    begins: entry.begins,
    writers: writerTable(entry.writers),
    abandonedUntil: entry.abandonedUntil,
    synced: { ...entry.synced },
    ...(entry.acked === undefined ? {} : { acked: entry.acked }),
    ...(entry.lost === undefined ? {} : { lost: entry.lost }),
    ...(entry.lostReason === undefined ? {} : { lostReason: entry.lostReason }),
    ...(owed ? { [OWED_ATTRIBUTE]: 'owed' } : {}),
  };
}

export function fromItem(item: Item): GroupEntry {
  const id = item.group ?? item.id.slice(GROUP.length);
  const { key, families } = JSON.parse(zlib.gunzipSync(item.content).toString('utf8')) as Pick<
    GroupRecord,
    'key' | 'families'
  >;
  const record: GroupRecord = {
    id,
    key,
    version: Number(item.version),
    deleted: Boolean(item.deleted),
    families,
    ...(item.committedAt === undefined ? {} : { committedAt: Number(item.committedAt) }),
  };
  contents.set(record, item.content);
  return {
    record,
    rev: Number(item.rev),
    begins: Number(item.begins),
    writers: writerTable(item.writers),
    abandonedUntil: Number(item.abandonedUntil),
    synced: Object.fromEntries(Object.entries(item.synced ?? {}).map(([k, v]) => [k, Number(v)])),
    ...(item.acked === undefined ? {} : { acked: Number(item.acked) }),
    ...(item.lost === undefined ? {} : { lost: Number(item.lost) }),
    ...(item.lostReason === undefined ? {} : { lostReason: String(item.lostReason) }),
  };
}
