import * as fs from 'node:fs';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { freePort } from './processes';
import { blockObjects, type FixtureBlock, HOUR, healthyBlocks } from './thanos-blocks';

/**
 * The S3 stand-in of `npm start`: s3rver (path-style, accepts only the credentials `S3RVER`/`S3RVER`, s3rver README
 * "Authentication") with a Thanos bucket and a reports bucket, the Thanos bucket seeded with a small real-looking
 * history so the bucket audit has blocks to judge and the weekly summary an audit to report.
 */

/** s3rver's only accepted key pair; `npm run local` uses the same one against any local endpoint. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3StandIn {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_S3` / `--s3-endpoint`. */
  readonly url: string;
  readonly thanosBucket: string;
  readonly reportsBucket: string;
  /** Blocks seeded into the Thanos bucket by this start (none when the bucket already held objects). */
  readonly seeded: readonly FixtureBlock[];
  /** The block whose deletion mark was left stale on purpose (the audit reports it). */
  readonly staleMarkBlock?: string;
  stop(): Promise<void>;
}

export interface S3StandInOptions {
  /** s3rver's data folder (kept between starts with `npm start -- --keep-data`). */
  readonly directory: string;
  readonly thanosBucket: string;
  readonly reportsBucket: string;
  /** External labels of the seeded streams (two replicas are made from them). */
  readonly labels: Readonly<Record<string, string>>;
  /** Days of history to seed. @default 16 (one 14-day block, its downsampled twins, and younger blocks) */
  readonly historyDays?: number;
  readonly now?: Date;
}

/** Starts s3rver on a free loopback port and seeds the Thanos bucket if it is empty. */
export async function startS3StandIn(options: S3StandInOptions): Promise<S3StandIn> {
  fs.mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: await freePort(),
    directory: options.directory,
    silent: true,
    configureBuckets: [options.thanosBucket, options.reportsBucket].map((name) => ({ name, configs: [] })),
  });
  const address = await server.run();
  const url = `http://127.0.0.1:${address.port}`;
  const s3 = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { ...S3RVER_CREDENTIALS },
  });
  try {
    const existing = await s3.send(new ListObjectsV2Command({ Bucket: options.thanosBucket, MaxKeys: 1 }));
    let seeded: FixtureBlock[] = [];
    let staleMarkBlock: string | undefined;
    if ((existing.KeyCount ?? 0) === 0) {
      const now = options.now ?? new Date();
      seeded = healthyBlocks({
        now,
        historyDays: options.historyDays ?? 16,
        streams: [0, 1].map((replica) => ({ ...options.labels, prometheus_replica: `prometheus-${replica}` })),
      });
      // One defect for the audit to find: a deletion mark the compactor never acted on (its deletion_time is a
      // week old, far past --delete-delay), the kind of finding the walkthrough's audit and summary then show.
      const unmarked = seeded.filter((b) => b.markedAt === undefined);
      const stale = unmarked.find((b) => b.resolution !== 'raw') ?? unmarked[0];
      if (stale) {
        staleMarkBlock = stale.ulid;
        seeded = seeded.map((b) => (b === stale ? { ...b, markedAt: now.getTime() - 7 * 24 * HOUR } : b));
      }
      await seedBlocks(s3, options.thanosBucket, seeded);
    }
    s3.destroy();
    return {
      url,
      thanosBucket: options.thanosBucket,
      reportsBucket: options.reportsBucket,
      seeded,
      ...(staleMarkBlock ? { staleMarkBlock } : {}),
      stop: () => server.close(),
    };
  } catch (error) {
    s3.destroy();
    await server.close();
    throw error;
  }
}

/** Uploads each block's objects (small stand-in bodies for chunks and index; meta.json and marks as Thanos writes them). */
async function seedBlocks(s3: S3Client, bucket: string, blocks: readonly FixtureBlock[]): Promise<void> {
  const objects = blocks.flatMap((block) => blockObjects(block));
  for (let i = 0; i < objects.length; i += 16) {
    await Promise.all(
      objects.slice(i, i + 16).map((object) =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: object.key,
            Body: object.body ? object.body() : `stand-in for ${object.key}\n`,
          }),
        ),
      ),
    );
  }
}
