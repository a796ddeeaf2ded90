import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../lib/devstack/processes';
import { PROJECT_ROOT } from '../../lib/paths';

/**
 * Every command-line error is one line on stderr naming what is wrong and how to fix it: exit code 2 for bad flags,
 * 1 for anything else, nothing on stdout, no stack trace.
 */
interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function npm(args: string[], env: NodeJS.ProcessEnv = process.env): Ran {
  const result = spawnSync('npm', args, { cwd: PROJECT_ROOT, encoding: 'utf8', env, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The environment without AWS settings: a command must not pick up the developer's. */
function withoutAws(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  return env;
}

function expectOneLineError(ran: Ran, status: 1 | 2, pattern: RegExp): void {
  expect({ status: ran.status, stdout: ran.stdout }).toEqual({ status, stdout: '' });
  expect(ran.stderr).toMatch(/^[^\n]+\n$/);
  expect(ran.stderr).toMatch(pattern);
  expect(ran.stderr).not.toMatch(/\n\s+at /);
}

describe('command-line errors: one line, exit 2 for usage, no stack trace', () => {
  it('npm start -- --bogus names the flag and the usage', () => {
    expectOneLineError(
      npm(['start', '-s', '--', '--bogus']),
      2,
      /^start: Unknown option '--bogus'\. Usage: npm start \[-- --env dev\|staging\|prod\] \[--keep-data\]/,
    );
  });

  it('npm start -- --env qa names the environments', () => {
    expectOneLineError(
      npm(['start', '-s', '--', '--env', 'qa']),
      2,
      /--env must be one of dev, staging, prod, got "qa"/,
    );
  });

  it('npm start without the Debian binaries names them and the apt-get command', () => {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-no-binaries-'));
    try {
      // Only node on PATH: none of the Debian packages' binaries are found, the local targets' included (PostgreSQL's
      // server is found by its absolute path when installed, so it is named only where it is not).
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(PROJECT_ROOT, 'bin', 'start.ts'), '--work-dir', workDir],
        { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, PATH: path.dirname(process.execPath) } },
      );
      expectOneLineError(
        { status: result.status, stdout: result.stdout, stderr: result.stderr },
        1,
        new RegExp(
          '^start: Not found on PATH: prometheus, prometheus-alertmanager, prometheus-pushgateway, ' +
            '(/usr/lib/postgresql/15/bin/postgres, /usr/lib/postgresql/15/bin/initdb, )?' +
            'prometheus-postgres-exporter, redis-server, prometheus-redis-exporter\\. ' +
            'Install them with: sudo apt-get install -y prometheus prometheus-alertmanager prometheus-pushgateway ' +
            '(postgresql-15 )?prometheus-postgres-exporter redis-server prometheus-redis-exporter$',
          'm',
        ),
      );
      // Nothing was started or written.
      expect(fs.readdirSync(workDir)).toEqual([]);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('local capacity against a port nothing listens on names the URL and what to do', async () => {
    const port = await freePort();
    expectOneLineError(
      npm(['run', '-s', 'local', '--', 'capacity', '--query-url', `http://127.0.0.1:${port}`]),
      1,
      new RegExp(
        `^local capacity: nothing answers at --query-url http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): start Prometheus`,
      ),
    );
  });

  it('local capacity with a --query-ca file that is not there names the flag and exits 2', () => {
    const missing = path.join(os.tmpdir(), `gl-no-such-ca-${process.pid}.pem`);
    expectOneLineError(
      npm(['run', '-s', 'local', '--', 'capacity', '--query-url', 'https://127.0.0.1:9', '--query-ca', missing]),
      2,
      new RegExp(
        `^local capacity: --query-ca: cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(ENOENT\\)`,
      ),
    );
  });

  it('local ingest without --port names the flag', () => {
    expectOneLineError(
      npm(['run', '-s', 'local', '--', 'ingest', '--pushgateway', 'http://127.0.0.1:9091']),
      2,
      /^local ingest: --port is required: .*\(npm run -s local -- ingest --help lists the flags\)$/m,
    );
  });

  it('local audit without an endpoint or a region refuses to guess a region of real AWS', () => {
    expectOneLineError(
      npm(['run', '-s', 'local', '--', 'audit', '--bucket', 'thanos', '--report-bucket', 'reports'], withoutAws()),
      2,
      /^local audit: no S3 endpoint and no region: pass --s3-endpoint URL .* or set AWS_REGION/,
    );
  });

  it('local summary without --reports says where the reports are', () => {
    expectOneLineError(
      npm(
        [
          'run',
          '-s',
          'local',
          '--',
          'summary',
          '--query-url',
          'http://127.0.0.1:9090',
          '--topic-arn',
          'arn:aws:sns:eu-west-1:000000000000:t',
        ],
        withoutAws(),
      ),
      2,
      /^local summary: --reports is required: the reports bucket/,
    );
  });

  it('an unknown service lists the services', () => {
    expectOneLineError(
      npm(['run', '-s', 'local', '--', 'no-such-service']),
      2,
      /^local: unknown service "no-such-service": use one of .*alerts.*audit.*capacity/,
    );
  });
});
