import * as zlib from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { GroupRecord } from '../domain/group-record';
import { GROUP_STORE_SCHEMA } from '../domain/group-store-schema';
import type { GroupEntry } from '../domain/group-sync';
import { type GroupStore, GroupTooLargeError, type OwedPredicate } from './group-store';

/** Partition key prefixes: a group's entry, or a named value of the store. */
const GROUP = 'g#';
const META = 'm#';
const { owedIndex: OWED_INDEX, owedAttribute: OWED_ATTRIBUTE } = GROUP_STORE_SCHEMA;
/**
 * DynamoDB's item limit is 400 KB (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html);
 * the record's content is stored gzipped and must leave room for the sync state.
 */
export const MAX_CONTENT_BYTES = 350 * 1024;

interface Item {
  readonly id: string;
  readonly content: Uint8Array;
  readonly version: number;
  readonly deleted: boolean;
  readonly committedAt?: number;
  readonly rev: number;
  readonly begins: number;
  readonly writers: Record<string, number>;
  readonly abandonedUntil: number;
  readonly synced: Record<string, number>;
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
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id: GROUP + id }, ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item as Item) : undefined;
  }

  async put(entry: GroupEntry, expectedRev: number | undefined): Promise<boolean> {
    const item = toItem(entry, this.isOwed(entry));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(expectedRev === undefined
            ? { ConditionExpression: 'attribute_not_exists(id)' }
            : { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': expectedRev } }),
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
          Key: { id: GROUP + id },
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
          FilterExpression: 'begins_with(id, :group)',
          ExpressionAttributeValues: { ':group': GROUP },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) entries.push(fromItem(item as Item));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }

  async owed(limit: number): Promise<GroupEntry[]> {
    const ids: string[] = [];
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
      for (const item of result.Items ?? []) ids.push(String(item.id).slice(GROUP.length));
      startKey = result.LastEvaluatedKey;
    } while (startKey && ids.length < limit);
    // The index is eventually consistent: read each entry for what it holds now.
    const entries: GroupEntry[] = [];
    for (const id of ids.slice(0, limit)) {
      const entry = await this.get(id);
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
}

export function toItem(entry: GroupEntry, owed: boolean): Item {
  const { record } = entry;
  const content = zlib.gzipSync(JSON.stringify({ key: record.key, families: record.families }));
  if (content.byteLength > MAX_CONTENT_BYTES) {
    throw new GroupTooLargeError(
      `group ${record.id} would take ${content.byteLength} bytes compressed in the store, above its limit of ${MAX_CONTENT_BYTES}`,
    );
  }
  return {
    id: GROUP + record.id,
    content,
    version: record.version,
    deleted: record.deleted,
    ...(record.committedAt === undefined ? {} : { committedAt: record.committedAt }),
    rev: entry.rev,
    begins: entry.begins,
    writers: { ...entry.writers },
    abandonedUntil: entry.abandonedUntil,
    synced: { ...entry.synced },
    ...(owed ? { [OWED_ATTRIBUTE]: 'owed' } : {}),
  };
}

export function fromItem(item: Item): GroupEntry {
  const id = item.id.slice(GROUP.length);
  const { key, families } = JSON.parse(zlib.gunzipSync(item.content).toString('utf8')) as Pick<
    GroupRecord,
    'key' | 'families'
  >;
  return {
    record: {
      id,
      key,
      version: Number(item.version),
      deleted: Boolean(item.deleted),
      families,
      ...(item.committedAt === undefined ? {} : { committedAt: Number(item.committedAt) }),
    },
    rev: Number(item.rev),
    begins: Number(item.begins),
    writers: Object.fromEntries(Object.entries(item.writers ?? {}).map(([k, v]) => [k, Number(v)])),
    abandonedUntil: Number(item.abandonedUntil),
    synced: Object.fromEntries(Object.entries(item.synced ?? {}).map(([k, v]) => [k, Number(v)])),
  };
}
