import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localServices } from '../../../lambdas/local/registry';
import { oneLineError, UsageError } from '../../../lambdas/local/service';
import { PROJECT_ROOT } from '../../../lib/paths';

const local = (...args: string[]) =>
  spawnSync('npm', ['run', '--silent', 'local', '--', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });

describe('npm run local', () => {
  it('--help prints the usage and every service, on stdout', () => {
    const result = local('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: npm run -s local -- <service> [flags]');
    for (const service of localServices())
      expect(result.stdout).toContain(`  ${service.name.padEnd(12)} ${service.summary}`);
  });

  it('rejects an unknown service on stderr, with exit code 2 and nothing on stdout', () => {
    const result = local('no-such-service');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^local: unknown service "no-such-service": use one of [a-z, ]+ \(npm run -s local -- --help describes them\)\n$/,
    );
  });
});

describe('localServices', () => {
  it('loads every module of the services folder, sorted, and refuses one without "service"', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-services-'));
    fs.writeFileSync(
      path.join(dir, 'b.ts'),
      "exports.service = { name: 'b', summary: 'B', usage: '', run: async () => {} };",
    );
    fs.writeFileSync(
      path.join(dir, 'a.ts'),
      "exports.service = { name: 'a', summary: 'A', usage: '', run: async () => {} };",
    );
    expect(localServices(dir).map((s) => s.name)).toEqual(['a', 'b']);
    fs.writeFileSync(path.join(dir, 'c.ts'), 'exports.other = 1;');
    expect(() => localServices(dir)).toThrow(`${path.join(dir, 'c.ts')} must export "service"`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('oneLineError', () => {
  it('folds the message and its causes into one line, naming error types but not plain Errors, with no stack', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: refused });
    expect(oneLineError(new Error('request to http://x failed', { cause: fetchFailed }))).toBe(
      'request to http://x failed: TypeError: fetch failed: connect ECONNREFUSED 127.0.0.1:9',
    );
    const sdk = Object.assign(new Error('The AWS Access Key Id you provided\ndoes not exist.'), {
      name: 'InvalidAccessKeyId',
    });
    expect(oneLineError(sdk)).toBe('InvalidAccessKeyId: The AWS Access Key Id you provided does not exist.');
    expect(oneLineError(new UsageError('--port is required'))).toBe('--port is required');
    expect(oneLineError('a string')).toBe('a string');
  });
});
