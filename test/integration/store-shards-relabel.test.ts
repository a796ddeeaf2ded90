import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { makeUlid, ulidRandomness } from '../../lambdas/domain/audit/ulid';
import { type RunningComponent, startPrometheus } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { storeShardSelector } from '../../lib/k8s/thanos-store';
import { eventually } from '../support/eventually';
import { hashmod } from '../support/prometheus-hashmod';

/**
 * The store gateway's shard selectors run through the real relabel engine. Thanos' block filter builds each block's
 * labels with `__block_id` = its ULID and drops the block when relabelling leaves nothing (pkg/block/fetcher.go
 * `LabelShardedMetaFilter`), with Prometheus' own relabel package. A Prometheus scrape job applies the same
 * `relabel_configs` to targets: one job per shard over the same targets, each carrying a block ULID as `__block_id`;
 * a target a job keeps is a block that shard serves.
 */
requireBinaries(['prometheus']);

const SHARDS = 3;
const BLOCKS = 300;
const ulids = Array.from({ length: BLOCKS }, (_, n) => makeUlid(1_700_000_000_000 + n * 7_200_000, ulidRandomness(n)));

let work: string;
let prometheus: RunningComponent | undefined;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-store-shards-'));
  const targets = path.join(work, 'blocks.json');
  // Distinct addresses: nothing listens there, and nothing is scraped within the test (hourly interval).
  fs.writeFileSync(
    targets,
    JSON.stringify(ulids.map((id, n) => ({ targets: [`127.0.0.1:${20_000 + n}`], labels: { __block_id: id } }))),
  );
  const config = {
    global: { scrape_interval: '1h' },
    scrape_configs: Array.from({ length: SHARDS }, (_, index) => ({
      job_name: `shard-${index}`,
      file_sd_configs: [{ files: [targets] }],
      relabel_configs: storeShardSelector({ index, count: SHARDS }),
    })),
  };
  const configFile = path.join(work, 'prometheus.yml');
  fs.writeFileSync(configFile, stringify(config));
  prometheus = await startPrometheus({ configFile });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

interface TargetsAnswer {
  data: {
    activeTargets: { scrapePool: string; discoveredLabels: Record<string, string> }[];
    droppedTargets: { discoveredLabels: Record<string, string> }[];
  };
}

it('gives every block to exactly one shard, the one hashmod of its ULID names', async () => {
  const url = prometheus?.url;
  const answer = await eventually(async () => {
    const body = (await (await fetch(`${url}/api/v1/targets?state=any`)).json()) as TargetsAnswer;
    const seen = body.data.activeTargets.length + body.data.droppedTargets.length;
    if (seen < SHARDS * BLOCKS) throw new Error(`${seen} of ${SHARDS * BLOCKS} targets discovered`);
    return body;
  });
  const owners = new Map<string, string[]>();
  for (const t of answer.data.activeTargets) {
    const id = t.discoveredLabels.__block_id as string;
    owners.set(id, [...(owners.get(id) ?? []), t.scrapePool]);
  }
  for (const id of ulids) expect([id, owners.get(id)]).toEqual([id, [`shard-${hashmod(id, SHARDS)}`]]);
  const perShard = Array.from({ length: SHARDS }, (_, i) => ulids.filter((id) => hashmod(id, SHARDS) === i).length);
  for (const count of perShard) expect(count).toBeGreaterThan(BLOCKS / SHARDS / 2);
}, 60_000);
