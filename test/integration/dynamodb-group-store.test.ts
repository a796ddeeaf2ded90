import { randomBytes } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGroupStore, MAX_CONTENT_BYTES, toItem } from '../../lambdas/adapters/dynamodb-group-store';
import { GroupTooLargeError } from '../../lambdas/adapters/group-store';
import { pushgatewayReplica } from '../../lambdas/adapters/pushgateway';
import { commitEntry, needsRepair, type SyncTiming } from '../../lambdas/domain/group-sync';
import { DEFAULT_PUSH_LIMITS } from '../../lambdas/domain/push-limits';
import { pushPartsInAws } from '../../lambdas/handlers/push-ingest/dependencies';
import { GroupView } from '../../lambdas/handlers/push-ingest/group-view';
import { makeHandler } from '../../lambdas/handlers/push-ingest/handler';
import { startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { type RunningDynalite, startDynalite } from '../support/dynalite';
import { CONTRACT_REPLICAS, groupStoreContract } from '../support/group-store-contract';
import { groupStoreCreateTable } from '../support/group-store-table';
import { handlerRequest } from '../support/handler-request';

/**
 * The DynamoDB group store against a real DynamoDB API implementation: dynalite 4.0.0 in memory on 127.0.0.1
 * (docs/facts.md, "DynamoDB group store", says what it does not emulate). The table is created with the keys and
 * index the PushIngestion construct synthesizes; the store talks to it through the SDK, as in AWS.
 */
requireBinaries(['pushgateway']);

let dynamo: RunningDynalite;
let tableDefinition: Omit<CreateTableCommandInput, 'TableName'>;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  const { TableName: _name, ...definition } = groupStoreCreateTable('template');
  tableDefinition = definition;
}, 60_000);

afterAll(async () => {
  await dynamo?.stop();
});

/** A new table, as the construct declares it. */
async function newTable(): Promise<string> {
  const name = `groups-${++tables}`;
  await dynamo.createTable({ ...tableDefinition, TableName: name });
  return name;
}

const owedTo = (entry: Parameters<typeof needsRepair>[0]) => needsRepair(entry, CONTRACT_REPLICAS);
const timing: SyncTiming = { leaseMs: 5000, writerExpiryMs: 60_000 };

/** Commands sent through a document client, by name (a middleware counts them). */
function counted(documents: DynamoDBDocumentClient): Map<string, number> {
  const counts = new Map<string, number>();
  documents.middlewareStack.add(
    (next, context) => (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

/** A group whose stored content is about `bytes` gzipped (base64 of random bytes gzips back to about their size). */
function groupOfSize(job: string, bytes: number) {
  const text = `x{v="${randomBytes(bytes).toString('base64')}"} 1\n`;
  return commitEntry(
    undefined,
    {
      id: `job=${JSON.stringify(job)}`,
      key: { job },
      version: 1,
      deleted: false,
      families: [{ name: 'x', type: 'gauge', sampleCount: 1, text }],
    },
    'w',
    0,
    timing,
  ).entry;
}

/** The first commit of an empty group `{job}` (the keys are what these tests are about). */
const emptyGroup = (job: string) =>
  commitEntry(
    undefined,
    { id: `job=${JSON.stringify(job)}`, key: { job }, version: 1, deleted: false, families: [] },
    'w',
    0,
    timing,
  ).entry;

describe('DynamoDbGroupStore keeps the group store contract against dynalite', () => {
  groupStoreContract(async (count, isOwed) => {
    const table = await newTable();
    const clients = Array.from({ length: count }, () => dynamo.client());
    return {
      handles: clients.map((client) => new DynamoDbGroupStore(DynamoDBDocumentClient.from(client), table, isOwed)),
      async close() {
        for (const client of clients) client.destroy();
      },
    };
  });
});

describe('DynamoDbGroupStore against the limits of the DynamoDB API (dynalite)', () => {
  it('reads every group past the 1 MB a Scan page holds', async () => {
    const table = await newTable();
    const documents = DynamoDBDocumentClient.from(dynamo.client());
    const store = new DynamoDbGroupStore(documents, table, owedTo);
    const entries = Array.from({ length: 12 }, (_, i) => groupOfSize(`big-${i}`, 100 * 1024));
    for (const entry of entries) expect(await store.put(entry, undefined)).toBe(true);
    const counts = counted(documents);
    const all = await store.all();
    expect(all.map((e) => e.record.id).sort()).toEqual(entries.map((e) => e.record.id).sort());
    // 12 items of ~100 KiB are ~1.2 MiB: DynamoDB (and dynalite) stop a page at 1 MB.
    expect(counts.get('ScanCommand')).toBeGreaterThanOrEqual(2);
  });

  it('lists owed groups past the 1 MB a Query page of the owed index holds', async () => {
    const table = await newTable();
    const documents = DynamoDBDocumentClient.from(dynamo.client());
    const store = new DynamoDbGroupStore(documents, table, owedTo);
    // The index holds keys only: ~1,000-byte keys (the longest stored plainly) make 1 MB with ~1,050 groups.
    const ids = Array.from({ length: 1100 }, (_, i) => `${String(i).padStart(4, '0')}${'k'.repeat(990)}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map(async (job) => {
          expect(await store.put(emptyGroup(job), undefined)).toBe(true);
        }),
      );
    }
    const counts = counted(documents);
    const owed = await store.owed(5000);
    expect(owed).toHaveLength(ids.length);
    expect(counts.get('QueryCommand')).toBeGreaterThanOrEqual(2);
    expect((await store.owed(10)).length).toBe(10);
  });

  it('stores a group just inside its content limit, and refuses one above it with GroupTooLargeError before writing', async () => {
    const table = await newTable();
    const store = new DynamoDbGroupStore(DynamoDBDocumentClient.from(dynamo.client()), table, owedTo);
    // Largest content below the limit: grow the random text until the next step would pass it.
    const fits = (entry: ReturnType<typeof groupOfSize>) => {
      try {
        return toItem(entry, true).content.byteLength;
      } catch (error) {
        if (error instanceof GroupTooLargeError) return undefined;
        throw error;
      }
    };
    let size = MAX_CONTENT_BYTES - 8 * 1024;
    let inside = groupOfSize('edge', size);
    for (;;) {
      const next = groupOfSize('edge', size + 256);
      if (fits(next) === undefined) break;
      inside = next;
      size += 256;
    }
    const insideBytes = fits(inside) ?? 0;
    expect(insideBytes).toBeGreaterThan(MAX_CONTENT_BYTES - 2048);
    expect(await store.put(inside, undefined)).toBe(true);
    expect(await store.get(inside.record.id)).toEqual(inside);

    const above = groupOfSize('edge', MAX_CONTENT_BYTES + 1024);
    const error = await store.put(above, inside.rev).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GroupTooLargeError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^group job="edge" would take \\d+ bytes compressed in the store, above its limit of ${MAX_CONTENT_BYTES}$`,
      ),
    );
    expect(await store.get(inside.record.id)).toEqual(inside);
  });

  it('dynalite itself refuses an item above 400 KB and a partition key above 2,048 bytes (the limits are real here)', async () => {
    const table = await newTable();
    const documents = DynamoDBDocumentClient.from(dynamo.client());
    await expect(
      documents.send(new PutCommand({ TableName: table, Item: { id: 'g#x', blob: new Uint8Array(400 * 1024) } })),
    ).rejects.toThrow('Item size has exceeded the maximum allowed size');
    await expect(
      documents.send(new PutCommand({ TableName: table, Item: { id: `g#${'x'.repeat(2047)}` } })),
    ).rejects.toThrow('Size of hashkey has exceeded the maximum size limit of2048 bytes');
  });

  it('keeps every key it writes within DynamoDB key limits (the owed index sorts by it: 1,024 bytes)', async () => {
    const table = await newTable();
    const documents = DynamoDBDocumentClient.from(dynamo.client());
    const store = new DynamoDbGroupStore(documents, table, owedTo);
    for (const job of ['j'.repeat(3000), 'k'.repeat(1100), 'ö'.repeat(600), 'short']) {
      expect(await store.put(emptyGroup(job), undefined)).toBe(true);
    }
    const { Items = [] } = await documents.send(new ScanCommand({ TableName: table }));
    expect(Items).toHaveLength(4);
    for (const item of Items) expect(Buffer.byteLength(String(item.id), 'utf8')).toBeLessThanOrEqual(1024);
  });

  it("is reached by the functions' own client through AWS_ENDPOINT_URL_DYNAMODB", async () => {
    const table = await newTable();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: dynamo.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      const { store } = await pushPartsInAws(
        {
          pushgatewayUrls: ['http://127.0.0.1:9'],
          pushgatewayCa: undefined,
          pushgatewayAuthSecret: undefined,
          groupStoreTable: table,
        },
        new Logger({ logLevel: 'SILENT' }),
      );
      await store.putMeta('initialized', 'yes');
      expect(await store.getMeta('initialized')).toBe('yes');
    } finally {
      process.env = saved;
    }
  });

  it('serves a warm push with two requests in a row, the commit and the acknowledgement, and one after another instance with four', async () => {
    const table = await newTable();
    const client = dynamo.client();
    const documents = DynamoDBDocumentClient.from(client);
    const store = new DynamoDbGroupStore(documents, table, owedTo);
    const pushgateways = await Promise.all([startPushgateway(), startPushgateway()]);
    try {
      const replicas = pushgateways.map((p, i) => pushgatewayReplica(`pushgateway-${i}`, p.url));
      const silent = { info() {}, warn() {}, error() {} };
      /** An ingestion instance on `on`, as a push function's container. */
      const instance = async (on: DynamoDbGroupStore) =>
        makeHandler({
          replicas,
          store: on,
          view: await GroupView.load(on),
          limits: DEFAULT_PUSH_LIMITS,
          timing,
          logger: silent,
        });
      const handle = await instance(store);
      // The first push of the group also reads its base and marks its family and key (conflict-marks.ts); the next
      // ones build on the entry the instance acknowledged last (settled-entries.ts).
      expect((await handle(handlerRequest('PUT', '/metrics/job/warm', 'x{a="1"} 1\n'))).status).toBe(200);
      const counts = counted(documents);

      expect((await handle(handlerRequest('PUT', '/metrics/job/warm', 'x{a="1"} 2\n'))).status).toBe(200);

      expect(Object.fromEntries(counts)).toEqual({ PutItemCommand: 2 });

      // Another instance pushes the group: the entry remembered is stale, its commit fails, and one read follows.
      const otherClient = dynamo.client();
      const otherStore = new DynamoDbGroupStore(DynamoDBDocumentClient.from(otherClient), table, owedTo);
      const other = await instance(otherStore);
      expect((await other(handlerRequest('PUT', '/metrics/job/warm', 'x{a="1"} 3\n'))).status).toBe(200);
      otherClient.destroy();
      counts.clear();

      expect((await handle(handlerRequest('PUT', '/metrics/job/warm', 'x{a="1"} 4\n'))).status).toBe(200);

      expect(Object.fromEntries(counts)).toEqual({ GetItemCommand: 1, PutItemCommand: 3 });
      const entry = await store.get('job="warm"');
      expect([entry?.record.version, entry?.acked]).toEqual([4, 4]);
    } finally {
      await Promise.all(pushgateways.map((p) => p.stop()));
      client.destroy();
    }
  });
});
