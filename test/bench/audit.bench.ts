/**
 * Bucket audit: time and meta.json reads for 10k and 100k blocks, first and second run, against an in-memory
 * S3 port with a fixed latency per GetObject. Peer (same run, same bucket): the naive audit that re-reads every
 * meta.json on every run (no audit state), like `thanos tools bucket inspect` does.
 */
import * as zlib from 'node:zlib';
import { SEED_RETENTION_POLICY } from '../../lambdas/domain/retention';
import { runAudit } from '../../lambdas/handlers/bucket-audit/handler';
import { healthyBlocks, healthyBucket, MemoryAuditStore, replicaStreams } from '../support/thanos-bucket';
import { type Benchmark, fmt } from './harness';

const NOW = new Date('2026-11-24T05:00:00.000Z');
/** A same-region S3 GetObject of a small object takes a few ms; 2 ms keeps the benchmark short. */
const GET_LATENCY_MS = 2;
const CONCURRENCY = 32;

/** A store that never remembers: the peer's every run is a first run. */
class ForgetfulStore extends MemoryAuditStore {
  override async readState(): Promise<string | undefined> {
    return undefined;
  }
}

async function timed(store: MemoryAuditStore, bucket: ReturnType<typeof healthyBucket>['bucket']) {
  bucket.resetCounters();
  const started = performance.now();
  const report = await runAudit({
    thanos: bucket,
    store,
    bucket: 'bench',
    environment: 'bench',
    policy: SEED_RETENTION_POLICY,
    clock: () => NOW,
    logger: { info: () => {}, warn: () => {} },
    readConcurrency: CONCURRENCY,
  });
  const ms = performance.now() - started;
  if (report.status !== 'ok') throw new Error(`bench bucket is not healthy: ${JSON.stringify(report.counts.byCode)}`);
  return { ms, reads: bucket.getCalls, blocks: report.inventory.blocks };
}

export const benchmark: Benchmark = {
  name: 'audit',
  async run() {
    const perStream = healthyBlocks({ now: NOW, streams: replicaStreams(1) }).length;
    const rows: (string | number)[][] = [];
    const notes: string[] = [];
    for (const target of [10_000, 100_000]) {
      const streams = Math.ceil(target / perStream);
      const { bucket, blocks } = healthyBucket({
        now: NOW,
        streams: replicaStreams(streams),
        latencyMs: GET_LATENCY_MS,
      });
      const ours = new MemoryAuditStore();
      const peer = new ForgetfulStore();
      const o1 = await timed(ours, bucket);
      const p1 = await timed(peer, bucket);
      const o2 = await timed(ours, bucket);
      const p2 = await timed(peer, bucket);
      const state = ours.objects.get('audit-state/bench/state.json.gz') ?? '';
      const label = `${blocks.length} blocks (${bucket.objects.size} objects, ${streams} streams)`;
      rows.push([label, 'first run', fmt.ms(o1.ms), o1.reads, fmt.ms(p1.ms), p1.reads]);
      rows.push([label, 'second run', fmt.ms(o2.ms), o2.reads, fmt.ms(p2.ms), p2.reads]);
      notes.push(
        `${blocks.length} blocks: audit state ${fmt.kb(Buffer.byteLength(state))} JSON, ${fmt.kb(zlib.gzipSync(state).length)} gzipped; second run ${fmt.ratio(p2.ms / o2.ms)} faster than the peer`,
      );
    }
    notes.push(
      `In-memory S3 port, ${GET_LATENCY_MS} ms per GetObject, ${CONCURRENCY} reads in flight, listing pages of 1000 without latency.`,
      'Peer: the same audit without state, re-reading every meta.json and deletion mark on every run.',
    );
    return {
      title:
        'Bucket audit: time and GetObject reads (meta.json + deletion marks), ours (incremental) vs peer (full re-read)',
      columns: ['bucket', 'run', 'ours time', 'ours reads', 'peer time', 'peer reads'],
      rows,
      notes,
    };
  },
};
