import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pushgatewayReplica, ReplicaUnavailableError } from '../../lambdas/adapters/pushgateway';
import { type BasicCredentials, basicAuthorization, readCredentials } from '../../lambdas/domain/basic-credentials';
import { startIngestServer } from '../../lambdas/local/ingest-server';
import { loadEnvironmentConfig } from '../../lib/config';
import { type RunningComponent, startPushgateway, writePushgatewayWebConfig } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import {
  PUSHGATEWAY_AUTH_DIR,
  PUSHGATEWAY_AUTH_KEYS,
  PUSHGATEWAY_PASSWORD_LENGTH,
  pushgatewayAuthObjects,
  pushgatewayAuthProbes,
} from '../../lib/k8s/pushgateway-auth';
import { PROJECT_ROOT } from '../../lib/paths';
import { refusal } from '../support/refusal';

/**
 * Basic auth on the Pushgateway replicas, checked on the real things: Debian's Pushgateway 1.5.1 (exporter-toolkit
 * 0.8.2) reading the web config, the ExternalSecret's templates executed by Go's text/template with Debian's sprig
 * 3.2.3 as ESO's template engine v2 runs them (test/fixtures/go/eso-template.go), the probes' command under busybox's
 * sh and wget (the image's base), and the push functions' replica client and ingestion.
 */

jest.setTimeout(120_000);

const bins = requireBinaries(['pushgateway', 'go', 'busybox', 'curl']);
const run = promisify(execFile);

const SPRIG_SOURCE = '/usr/share/gocode/src/github.com/Masterminds/sprig';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-pushgateway-auth-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const credentials = (password = randomBytes(30).toString('base64url').slice(0, PUSHGATEWAY_PASSWORD_LENGTH)) => ({
  username: 'greenlang',
  password,
});

/** A request to a replica with `authorization` (or none): its status. */
async function status(url: string, init: RequestInit & { authorization?: string } = {}): Promise<number> {
  const { authorization, ...rest } = init;
  const response = await fetch(url, { ...rest, headers: authorization ? { authorization } : {} });
  await response.arrayBuffer();
  return response.status;
}

/** The jobs a replica holds, read with `auth`. */
async function jobsHeld(gateway: RunningComponent, auth: BasicCredentials): Promise<string[]> {
  const response = await fetch(`${gateway.url}/api/v1/metrics`, {
    headers: { authorization: basicAuthorization(auth) },
  });
  const json = (await response.json()) as { data: { labels: { job: string } }[] };
  return json.data.map((group) => group.labels.job).sort();
}

const body = (metric: string) => new TextEncoder().encode(`# TYPE ${metric} gauge\n${metric} 1\n`);

/** eso-template.go built in GOPATH mode against Debian's sprig (no network, nothing outside the work folder). */
async function buildEsoTemplate(): Promise<string> {
  if (!fs.existsSync(SPRIG_SOURCE)) {
    throw new Error(
      `${SPRIG_SOURCE} is missing. Install it with: sudo apt-get install -y golang-github-masterminds-sprig-dev`,
    );
  }
  const gopath = path.join(work, 'gopath');
  fs.mkdirSync(path.join(gopath, 'src', 'esotemplate'), { recursive: true });
  fs.copyFileSync(
    path.join(PROJECT_ROOT, 'test', 'fixtures', 'go', 'eso-template.go'),
    path.join(gopath, 'src', 'esotemplate', 'main.go'),
  );
  const binary = path.join(work, 'eso-template');
  await run(bins.go, ['build', '-o', binary, 'esotemplate'], {
    cwd: gopath,
    timeout: 300_000,
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `/usr/share/gocode:${gopath}`,
      GOCACHE: path.join(work, 'gocache'),
      GOENV: 'off',
      GOFLAGS: '',
    },
  });
  return binary;
}

/** The ExternalSecret's template data, executed over the generated secret's values as ESO would. */
async function renderSecret(binary: string, values: BasicCredentials): Promise<Record<string, string>> {
  const [secret] = pushgatewayAuthObjects(loadEnvironmentConfig('dev'));
  if (!secret) throw new Error('pushgatewayAuthObjects renders the ExternalSecret');
  type Spec = { target: { template: { engineVersion: string; data: Record<string, string> } } };
  const templates = (secret.spec as Spec).target.template;
  expect(templates.engineVersion).toBe('v2');
  const child = execFile(binary, []);
  const output = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
    });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`eso-template exited ${code}`))));
  });
  child.stdin?.end(JSON.stringify({ templates: templates.data, values }));
  return JSON.parse(await output) as Record<string, string>;
}

/** The probe command of the rendered container, with the secret's mount path moved to `dir`, run by busybox. */
async function probe(kind: 'readinessProbe' | 'livenessProbe', port: number, dir: string): Promise<number> {
  const spec = pushgatewayAuthProbes(port)[kind] as { exec: { command: string[] } };
  const [shell, flag, script] = spec.exec.command;
  expect([shell, flag]).toEqual(['sh', '-c']);
  const local = (script ?? '').replaceAll(PUSHGATEWAY_AUTH_DIR, dir);
  // busybox's own applets (sh, wget, cat), as in the image: PATH holds nothing else.
  const bin = path.join(work, 'busybox-bin');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(bin);
    for (const applet of ['sh', 'wget', 'cat']) fs.symlinkSync(bins.busybox, path.join(bin, applet));
  }
  try {
    await run(path.join(bin, 'sh'), ['-c', local], { env: { PATH: bin } });
    return 0;
  } catch (error) {
    return Number((error as { code?: number }).code ?? -1);
  }
}

describe('the rendered pushgateway-auth secret, as ESO renders it, on a real Pushgateway', () => {
  let gateway: RunningComponent;
  let dir: string;
  const auth = credentials();

  beforeAll(async () => {
    const binary = await buildEsoTemplate();
    const rendered = await renderSecret(binary, auth);
    // The mounted secret: one file per key.
    dir = fs.mkdtempSync(path.join(work, 'secret-'));
    for (const [key, value] of Object.entries(rendered)) fs.writeFileSync(path.join(dir, key), value);
    gateway = await startPushgateway({
      basicAuth: auth,
      webConfigFile: path.join(dir, PUSHGATEWAY_AUTH_KEYS.webConfig),
    });
  });
  afterAll(() => gateway?.stop());

  it('renders a bcrypt hash of the password, not the password, and the scrape credentials as they are', () => {
    const webConfig = fs.readFileSync(path.join(dir, PUSHGATEWAY_AUTH_KEYS.webConfig), 'utf8');
    expect(webConfig).toMatch(/^basic_auth_users:\n {2}"greenlang": "\$2a\$10\$[./A-Za-z0-9]{53}"\n$/);
    expect(webConfig).not.toContain(auth.password);
    expect(fs.readFileSync(path.join(dir, PUSHGATEWAY_AUTH_KEYS.username), 'utf8')).toBe(auth.username);
    expect(fs.readFileSync(path.join(dir, PUSHGATEWAY_AUTH_KEYS.password), 'utf8')).toBe(auth.password);
  });

  it('refuses every path without the credentials (401) and answers them with the rendered header', async () => {
    for (const p of ['/-/ready', '/-/healthy', '/metrics', '/api/v1/metrics']) {
      expect(await status(`${gateway.url}${p}`)).toBe(401);
      expect(await status(`${gateway.url}${p}`, { authorization: basicAuthorization(credentials()) })).toBe(401);
      expect(await status(`${gateway.url}${p}`, { authorization: basicAuthorization(auth) })).toBe(200);
    }
    const push = { method: 'PUT', body: 'direct 1\n' };
    expect(await status(`${gateway.url}/metrics/job/direct`, push)).toBe(401);
    expect(await jobsHeld(gateway, auth)).not.toContain('direct');
  });

  it("sends the rendered header with curl's -H @file, as the compactor does", async () => {
    const file = path.join(dir, PUSHGATEWAY_AUTH_KEYS.authorizationHeader);
    const { stdout } = await run(bins.curl, [
      '-fsS',
      '-H',
      `@${file}`,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `${gateway.url}/-/ready`,
    ]);
    expect(stdout).toBe('200');
  });

  it('passes the probes with the mounted header and fails them without it (busybox sh and wget)', async () => {
    expect(await probe('readinessProbe', gateway.port, dir)).toBe(0);
    expect(await probe('livenessProbe', gateway.port, dir)).toBe(0);
    const wrong = fs.mkdtempSync(path.join(work, 'wrong-'));
    fs.writeFileSync(
      path.join(wrong, PUSHGATEWAY_AUTH_KEYS.authorizationHeader),
      `Authorization: ${basicAuthorization(credentials())}`,
    );
    expect(await probe('readinessProbe', gateway.port, wrong)).not.toBe(0);
    expect(await probe('livenessProbe', gateway.port, wrong)).not.toBe(0);
  });
});

describe('the push functions with replicas that require basic auth', () => {
  const auth = credentials();
  let gateways: RunningComponent[];
  beforeAll(async () => {
    gateways = await Promise.all([startPushgateway({ basicAuth: auth }), startPushgateway({ basicAuth: auth })]);
  });
  afterAll(() => Promise.all(gateways.map((g) => g.stop())));

  const fixed = (c: BasicCredentials) => readCredentials(async () => JSON.stringify(c), 'test credentials');

  it('pushes with the credentials; without or with wrong ones the replica refuses and nothing is applied', async () => {
    const [gateway] = gateways;
    if (!gateway) throw new Error('two replicas');
    const push = {
      method: 'PUT' as const,
      path: '/metrics/job/client_auth',
      body: body('client_auth'),
      contentType: 'text/plain',
    };
    const none = await refusal(pushgatewayReplica('pushgateway-0', gateway.url).push(push), ReplicaUnavailableError);
    expect(none.message).toBe(
      "pushgateway-0: HTTP 401: the replica refused a request without credentials (the Pushgateways' web config admits one user; see PUSHGATEWAY_AUTH_SECRET or --pushgateway-auth-file)",
    );
    expect(none.maybeApplied).toBe(false);
    const wrong = pushgatewayReplica('pushgateway-0', gateway.url, { credentials: await fixed(credentials()) });
    const refused = await refusal(wrong.push(push), ReplicaUnavailableError);
    expect(refused.message).toMatch(
      /^pushgateway-0: HTTP 401: the replica refused this client's basic-auth credentials/,
    );
    expect(refused.maybeApplied).toBe(false);
    expect(await jobsHeld(gateway, auth)).not.toContain('client_auth');

    const right = pushgatewayReplica('pushgateway-0', gateway.url, { credentials: await fixed(auth) });
    expect((await right.push(push)).status).toBe(200);
    expect((await right.groups()).map((g) => g.key.job)).toContain('client_auth');
  });

  it('picks up a rotated password after one 401, without a restart of either side', async () => {
    const gateway = await startPushgateway({ basicAuth: auth });
    try {
      const file = path.join(work, 'rotating.json');
      fs.writeFileSync(file, JSON.stringify(auth));
      let reads = 0;
      const source = await readCredentials(async () => {
        reads++;
        return fs.readFileSync(file, 'utf8');
      }, file);
      const replica = pushgatewayReplica('pushgateway-0', gateway.url, { credentials: source });
      const push = (job: string) =>
        replica.push({ method: 'PUT', path: `/metrics/job/${job}`, body: body(job), contentType: 'text/plain' });
      expect((await push('before_rotation')).status).toBe(200);
      // The operator rotates: the replica's web config first (ESO), then the secret the client reads.
      const next = credentials();
      writePushgatewayWebConfig(path.join(gateway.dataDir, 'web-config.yml'), next);
      fs.writeFileSync(file, JSON.stringify(next));
      const readsBefore = reads;
      expect((await push('after_rotation')).status).toBe(200);
      expect(reads).toBe(readsBefore + 1);
      expect(await jobsHeld(gateway, next)).toEqual(['after_rotation', 'before_rotation']);
    } finally {
      await gateway.stop();
    }
  });

  it('keeps both replicas in step through the ingestion, and answers 503 with nothing applied when refused', async () => {
    const urls = gateways.map((g) => g.url);
    const ingest = await startIngestServer({
      pushgateways: urls,
      storeFile: path.join(work, 'store-right.jsonl'),
      pushgatewayCredentials: await fixed(auth),
    });
    try {
      const answer = await fetch(`${ingest.url}/metrics/job/ingest_auth`, { method: 'PUT', body: 'ingest_auth 1\n' });
      expect(answer.status).toBe(200);
      for (const gateway of gateways) expect(await jobsHeld(gateway, auth)).toContain('ingest_auth');
    } finally {
      await ingest.close();
    }

    const errors: string[] = [];
    const extras: unknown[] = [];
    // Started: the store's bootstrap waits for replicas it cannot read, as for replicas down.
    const refusedCredentials = credentials();
    const wrong = await startIngestServer({
      pushgateways: urls,
      storeFile: path.join(work, 'store-wrong.jsonl'),
      pushgatewayCredentials: await fixed(refusedCredentials),
      logger: {
        info() {},
        warn() {},
        error: (m, extra) => {
          errors.push(m);
          extras.push(extra);
        },
      },
    });
    try {
      const refused = await fetch(`${wrong.url}/metrics/job/ingest_refused`, { method: 'PUT', body: 'x 1\n' });
      expect(refused.status).toBe(503);
      expect(await refused.text()).toMatch(/nothing was applied/);
      for (const gateway of gateways) expect(await jobsHeld(gateway, auth)).not.toContain('ingest_refused');
      // The operator is told why: every replica refused this function's credentials.
      expect(errors).toEqual(['no replica answered; answered 503, nothing applied']);
      expect(JSON.stringify(extras)).toMatch(/pushgateway-0: HTTP 401: the replica refused this client's basic-auth/);
      // Named, never shown: neither the password nor the header carrying it is logged.
      for (const secret of [refusedCredentials.password, basicAuthorization(refusedCredentials).slice(6)]) {
        expect(JSON.stringify(extras)).not.toContain(secret);
      }
    } finally {
      await wrong.close();
    }
  });
});
