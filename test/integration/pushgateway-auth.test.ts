import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { pushgatewayReplica, ReplicaUnavailableError } from '../../lambdas/adapters/pushgateway';
import {
  type BasicCredentials,
  basicAuthorization,
  type CredentialSource,
  readCredentials,
} from '../../lambdas/domain/basic-credentials';
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
  pushgatewayWebConfig,
} from '../../lib/k8s/pushgateway-auth';
import { PROJECT_ROOT } from '../../lib/paths';
import { buildGoProgram } from '../support/go-build';
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

/** eso-template.go, built against Debian's sprig. */
function buildEsoTemplate(): Promise<string> {
  if (!fs.existsSync(SPRIG_SOURCE)) {
    throw new Error(
      `${SPRIG_SOURCE} is missing. Install it with: sudo apt-get install -y golang-github-masterminds-sprig-dev`,
    );
  }
  return buildGoProgram(work, path.join(PROJECT_ROOT, 'test', 'fixtures', 'go', 'eso-template.go'), 'esotemplate');
}

/** The ExternalSecret's template data, executed over the secret's JSON properties as ESO would (throws on `fail`). */
async function renderSecret(binary: string, values: Record<string, string>): Promise<Record<string, string>> {
  const [secret] = pushgatewayAuthObjects(loadEnvironmentConfig('dev'));
  if (!secret) throw new Error('pushgatewayAuthObjects renders the ExternalSecret');
  type Spec = { target: { template: { engineVersion: string; data: Record<string, string> } } };
  const templates = (secret.spec as Spec).target.template;
  expect(templates.engineVersion).toBe('v2');
  const child = execFile(binary, []);
  const output = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      err += chunk;
    });
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err.trim()))));
  });
  child.stdin?.end(JSON.stringify({ templates: templates.data, values }));
  return JSON.parse(await output) as Record<string, string>;
}

/** The users a rendered web config admits, with their hashes (YAML, as exporter-toolkit reads it). */
function admitted(webConfig: string): Record<string, string> {
  return (parseYaml(webConfig) as { basic_auth_users: Record<string, string> }).basic_auth_users;
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
  let binary: string;
  const auth = credentials();

  beforeAll(async () => {
    binary = await buildEsoTemplate();
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
    // The shape the local stack writes (pushgatewayWebConfig), hash aside.
    const hash = admitted(webConfig).greenlang ?? '';
    expect(webConfig).toBe(pushgatewayWebConfig([['greenlang', hash]]));
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

  it('admits a standby user beside the active one, so a rotation never refuses a client in between', async () => {
    const standby = credentials();
    const rendered = await renderSecret(binary, {
      ...auth,
      standbyUsername: 'greenlang-standby',
      standbyPassword: standby.password,
    });
    expect(Object.keys(admitted(rendered[PUSHGATEWAY_AUTH_KEYS.webConfig] ?? ''))).toEqual([
      'greenlang',
      'greenlang-standby',
    ]);
    // The clients' keys stay the active user's.
    expect(rendered[PUSHGATEWAY_AUTH_KEYS.password]).toBe(auth.password);
    const file = path.join(dir, 'standby-web-config.yml');
    fs.writeFileSync(file, rendered[PUSHGATEWAY_AUTH_KEYS.webConfig] ?? '');
    const both = await startPushgateway({ basicAuth: auth, webConfigFile: file });
    try {
      for (const user of [auth, { username: 'greenlang-standby', password: standby.password }]) {
        expect(await status(`${both.url}/-/ready`, { authorization: basicAuthorization(user) })).toBe(200);
      }
      expect(await status(`${both.url}/-/ready`, { authorization: basicAuthorization(credentials()) })).toBe(401);
    } finally {
      await both.stop();
    }
  });

  it.each([
    ['a password over bcrypt 72 bytes', { password: 'p'.repeat(73) }, 'password is longer than 72 bytes'],
    ['a standby user without a password', { standbyUsername: 'other' }, 'standbyUsername without standbyPassword'],
    [
      'a standby user named as the active one',
      { standbyUsername: 'greenlang', standbyPassword: 'x' },
      'standbyUsername equals username',
    ],
  ])('refuses to render %s (ESO keeps the last good secret)', async (_what, change, message) => {
    await expect(renderSecret(binary, { ...auth, ...change })).rejects.toThrow(message);
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

  it('picks up a rotated password after a 401, once for both replicas refusing at the same time', async () => {
    const pair = await Promise.all([startPushgateway({ basicAuth: auth }), startPushgateway({ basicAuth: auth })]);
    try {
      const file = path.join(work, 'rotating.json');
      fs.writeFileSync(file, JSON.stringify(auth));
      let reads = 0;
      // The read after the rotation waits until both replicas' refusals asked for it (10 s at most): a second read
      // would mean the two were not served by one.
      let refreshes = 0;
      let bothAsked = () => {};
      const asked = new Promise<void>((resolve, reject) => {
        bothAsked = resolve;
        setTimeout(() => reject(new Error('only one refusal asked for the credentials')), 10_000).unref();
      });
      const inner = await readCredentials(async () => {
        reads++;
        if (reads > 1) await asked;
        return fs.readFileSync(file, 'utf8');
      }, file);
      const source: CredentialSource = {
        current: () => inner.current(),
        refresh: () => {
          if (++refreshes === 2) bothAsked();
          return inner.refresh();
        },
      };
      const replicas = pair.map((g, i) => pushgatewayReplica(`pushgateway-${i}`, g.url, { credentials: source }));
      const pushAll = (job: string) =>
        Promise.all(
          replicas.map((replica) =>
            replica.push({ method: 'PUT', path: `/metrics/job/${job}`, body: body(job), contentType: 'text/plain' }),
          ),
        );
      expect((await pushAll('before_rotation')).map((a) => a.status)).toEqual([200, 200]);
      // Both replicas get the new password (ESO), then the secret the client reads changes: the client still sends
      // the old header, both refuse it at once, one read serves both, and both pushes are sent again.
      const next = credentials();
      for (const g of pair) writePushgatewayWebConfig(path.join(g.dataDir, 'web-config.yml'), next);
      fs.writeFileSync(file, JSON.stringify(next));
      const readsBefore = reads;
      expect((await pushAll('after_rotation')).map((a) => a.status)).toEqual([200, 200]);
      expect(reads).toBe(readsBefore + 1);
      expect(refreshes).toBe(2);
      for (const g of pair) expect(await jobsHeld(g, next)).toEqual(['after_rotation', 'before_rotation']);
    } finally {
      await Promise.all(pair.map((g) => g.stop()));
    }
  });

  it('answers "not applied", naming the cause, when reading the credentials again fails after a 401', async () => {
    const [gateway] = gateways;
    if (!gateway) throw new Error('two replicas');
    let first = true;
    const source = await readCredentials(async () => {
      if (first) {
        first = false;
        return JSON.stringify(credentials());
      }
      throw new Error('ThrottlingException: Rate exceeded');
    }, 'secret greenlang-test/pushgateway-basic-auth');
    const replica = pushgatewayReplica('pushgateway-0', gateway.url, { credentials: source });
    const error = await refusal(
      replica.push({ method: 'PUT', path: '/metrics/job/unread', body: body('unread'), contentType: 'text/plain' }),
      ReplicaUnavailableError,
    );
    expect(error.message).toBe(
      'pushgateway-0: HTTP 401, and reading the credentials again failed: ThrottlingException: Rate exceeded',
    );
    expect(error.maybeApplied).toBe(false);
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
