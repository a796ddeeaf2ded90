import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeCapacityConfig } from '../../lambdas/contracts/capacity-config-codec';
import { SEED_RETENTION_POLICY } from '../../lambdas/domain/retention';
import { SEED_SIZING } from '../../lambdas/domain/sizing';
import { bundleFunction, FUNCTION_ENTRY_FILE } from '../../lib/layer/bundling';
import { PROJECT_ROOT } from '../../lib/paths';
import {
  type Benchmark,
  bundleOneFile,
  dynamicChunks,
  fmt,
  loadedAtInitBytes,
  median,
  moduleLoadSamples,
  zipSize,
} from './harness';

const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambdas', 'handlers');

/**
 * The environment the functions read when their module loads (as their constructs set it in AWS), with
 * placeholder values: loading builds SDK clients but calls nothing. Logs go nowhere (this measures loading).
 */
const FUNCTION_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  ENVIRONMENT_NAME: 'dev',
  THANOS_BUCKET: 'gl-thanos-metrics-dev-111111111111-eu-west-1',
  REPORTS_BUCKET: 'gl-observability-reports-dev-111111111111-eu-west-1',
  SUMMARY_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:bench',
  ALERT_EMAIL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:bench',
  RETENTION_POLICY: JSON.stringify(SEED_RETENTION_POLICY),
  CAPACITY_CONFIG: encodeCapacityConfig({ environment: 'dev', sizing: SEED_SIZING, retention: SEED_RETENTION_POLICY }),
  QUERY_URL: 'https://127.0.0.1:9090',
  QUERY_CA_PEM: '-----BEGIN CERTIFICATE-----\nbench\n-----END CERTIFICATE-----\n',
  PUSHGATEWAY_URLS: 'http://127.0.0.1:9091,http://127.0.0.1:9092',
  GROUP_STORE_TABLE: 'bench-groups',
  MAX_PAYLOAD_BYTES: '4194304',
  TOKEN_SECRET_NAME: 'greenlang-dev/alert-webhook-token',
  DELIVERY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111111111111/bench',
  DELIVERY_MAX_RECEIVE_COUNT: '5',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111111111111/bench-dead-letters',
  IDEMPOTENCY_TABLE: 'bench-idempotency',
  SLACK_WEBHOOK_SECRET_NAME: 'greenlang-dev/slack-webhook-url',
};

/** The push-ingest function without protobufjs: what it weighed before it took delimited protobuf pushes. */
const WITHOUT_PROTOBUF = {
  name: 'push-ingest, before protobuf (protobufjs left out)',
  entry: path.join(HANDLERS_DIR, 'push-ingest', 'index.ts'),
  alias: { 'protobufjs/light': path.join(PROJECT_ROOT, 'test/bench/fixtures/protobufjs-absent.ts') },
};

/** Every function entry (`lambdas/handlers/<fn>/index.ts`), plus the empty handler as the peer. */
function entries(): { name: string; entry: string; alias?: Record<string, string> }[] {
  const functions = fs.existsSync(HANDLERS_DIR)
    ? fs
        .readdirSync(HANDLERS_DIR)
        .filter((name) => fs.existsSync(path.join(HANDLERS_DIR, name, 'index.ts')))
        .map((name) => ({ name, entry: path.join(HANDLERS_DIR, name, 'index.ts') }))
    : [];
  return [
    { name: 'peer: empty handler', entry: path.join(PROJECT_ROOT, 'test/fixtures/lambdas/empty/index.ts') },
    { name: 'fixture: middy+logger', entry: path.join(PROJECT_ROOT, 'test/fixtures/lambdas/echo/index.ts') },
    ...functions,
    WITHOUT_PROTOBUF,
  ];
}

export const benchmark: Benchmark = {
  name: 'lambda-bundles',
  async run() {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-bundle-bench-'));
    try {
      const built = [];
      for (const { name, entry, alias } of entries()) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-');
        const oneFile = path.join(work, 'one', slug, 'index.mjs');
        const splitDir = path.join(work, 'split', slug);
        await bundleOneFile(entry, oneFile, [], alias);
        bundleFunction(entry, splitDir, { alias }); // what ObservabilityFunction deploys
        built.push({ name, oneFile, splitDir, splitFile: path.join(splitDir, FUNCTION_ENTRY_FILE) });
      }
      const samples = moduleLoadSamples(
        built.flatMap((b) => [b.splitFile, [b.splitFile, ...dynamicChunks(b.splitFile)], b.oneFile]),
        15,
        FUNCTION_ENV,
      );
      const loads = samples.map(median);
      // The peer's three variants are the same empty module: pool their samples for a steadier reference.
      const peerMs = median(samples.slice(0, 3).flat());
      const measured = built.map((b, i) => ({
        ...b,
        zip: zipSize(b.splitDir),
        atInit: loadedAtInitBytes(b.splitFile),
        splitMs: loads[3 * i] ?? Number.NaN,
        firstUseMs: loads[3 * i + 1] ?? Number.NaN,
        oneMs: loads[3 * i + 2] ?? Number.NaN,
        oneZip: zipSize(path.dirname(b.oneFile)),
      }));
      const rows = measured.map((m) => [
        m.name,
        fmt.kb(m.zip),
        fmt.kb(m.atInit),
        fmt.ms(m.splitMs),
        fmt.ratio(m.splitMs / peerMs),
        fmt.ms(m.firstUseMs),
        fmt.kb(m.oneZip),
        fmt.ms(m.oneMs),
      ]);
      return {
        title: 'Lambda bundles: zip size and module load time, as deployed (split) vs one file',
        columns: [
          'function',
          'zip',
          'read at init',
          'load',
          'load vs empty',
          'load + 1st use',
          'zip (one file)',
          'load (one file)',
        ],
        rows,
        notes: [
          'Module load = time to import the bundle in a fresh Node process (median of 15, runs interleaved): the code part of a cold start.',
          'load vs empty: against the median of all 45 empty-handler samples of the run (its three columns are the same module).',
          'zip: every file of the deployed asset deflated; read at init: the entry and the chunks it imports statically.',
          'load + 1st use: also the chunks the entry imports with import() (composition root, SDK clients): what the first',
          'invocation adds. Lazy loading moves that cost out of the init phase; it removes it only for clients a run never uses.',
          'one file: the round-one bundle (no splitting, minified names, source maps), fully bundled.',
          '"before protobuf" is push-ingest bundled with protobufjs/light replaced by an empty stub: the difference to',
          'the push-ingest row is what protobuf support costs in size and load time (its message type is built on the',
          'first protobuf push, not at load).',
        ],
      };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
};
