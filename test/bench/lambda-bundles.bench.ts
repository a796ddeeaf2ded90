import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SEED_RETENTION_POLICY } from '../../lambdas/domain/retention';
import { SEED_SIZING } from '../../lambdas/domain/sizing';
import { buildRuntimeLayer, readLayerManifest } from '../../lib/layer/runtime-layer-build';
import { PROJECT_ROOT } from '../../lib/paths';
import { type Benchmark, bundleFunction, fmt, gzipSize, moduleLoadMs } from './harness';

const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambdas', 'handlers');
const LAYER_DIR = path.join(PROJECT_ROOT, 'layers', 'runtime');

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
  CAPACITY_CONFIG: JSON.stringify({ environment: 'dev', sizing: SEED_SIZING, retention: SEED_RETENTION_POLICY }),
  QUERY_URL: 'http://127.0.0.1:9090',
  PUSHGATEWAY_URLS: 'http://127.0.0.1:9091,http://127.0.0.1:9092',
  GROUP_STORE_TABLE: 'bench-groups',
  MAX_PAYLOAD_BYTES: '5242880',
  TOKEN_SECRET_NAME: 'greenlang-dev/alert-webhook-token',
  DELIVERY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111111111111/bench',
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
      // Lambda resolves layer packages from /opt/nodejs/node_modules; a bundle placed in <layer>/nodejs/<fn>/
      // resolves them the same way (Node walks up to <layer>/nodejs/node_modules).
      const layerRoot = path.join(work, 'layer');
      buildRuntimeLayer(LAYER_DIR, PROJECT_ROOT, layerRoot);
      const external = Object.keys(readLayerManifest(LAYER_DIR).dependencies);

      const measured = [];
      for (const { name, entry, alias } of entries()) {
        const slug = name.replace(/[^a-z0-9]+/gi, '-');
        const withLayer = path.join(layerRoot, 'nodejs', slug, 'index.mjs');
        const full = path.join(work, 'full', slug, 'index.mjs');
        await bundleFunction(entry, withLayer, external, alias);
        await bundleFunction(entry, full, [], alias);
        measured.push({
          name,
          layerBytes: fs.statSync(withLayer).size,
          layerGzip: gzipSize(withLayer),
          layerMs: moduleLoadMs(withLayer, 11, FUNCTION_ENV),
          fullBytes: fs.statSync(full).size,
          fullMs: moduleLoadMs(full, 11, FUNCTION_ENV),
        });
      }
      const peer = measured[0];
      const rows = measured.map((m) => [
        m.name,
        fmt.kb(m.layerBytes),
        fmt.kb(m.layerGzip),
        fmt.ms(m.layerMs),
        fmt.kb(m.fullBytes),
        fmt.ms(m.fullMs),
        peer ? fmt.ratio(m.layerMs / peer.layerMs) : '',
      ]);
      return {
        title: 'Lambda bundles: size and module load time, with the runtime layer vs fully bundled',
        columns: [
          'function',
          'zip code (layer)',
          'gzip',
          'load (layer)',
          'fully bundled',
          'load (full)',
          'load vs empty',
        ],
        rows,
        notes: [
          'Module load = time to import the bundle in a fresh Node process (median of 11): the code part of a cold start.',
          'With the layer, Powertools and middy load from nodejs/node_modules as they do from /opt in Lambda.',
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
