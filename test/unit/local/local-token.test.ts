import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../../lambdas/local/service';
import { localToken } from '../../../lambdas/local/token';

describe('localToken: the bearer token of a local service', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-local-token-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads --token-file (trimmed: a trailing newline is not part of the token)', () => {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, '  s3cret-from-file\n');
    expect(localToken({ 'token-file': file }, 'X_TOKEN', {})).toBe('s3cret-from-file');
  });

  it('reads the environment variable when no flag is given, and --token when given', () => {
    expect(localToken({}, 'X_TOKEN', { X_TOKEN: 'from-env\n' })).toBe('from-env');
    expect(localToken({ token: 'from-flag' }, 'X_TOKEN', { X_TOKEN: 'from-env' })).toBe('from-flag');
    expect(localToken({}, 'X_TOKEN', {})).toBeUndefined();
  });

  it.each([
    [{ token: 'a', 'token-file': 'f' }, {}, 'give one of --token-file and --token, not both'],
    [{ token: ' ' }, {}, '--token must not be empty'],
    [{}, { X_TOKEN: '' }, 'X_TOKEN is set but empty: unset it or give a token'],
    [{ 'token-file': '/nonexistent/gl-token' }, {}, '--token-file /nonexistent/gl-token: cannot read it (ENOENT)'],
  ])('refuses %j (env %j) with one line naming the problem', (flags, env, message) => {
    expect(() => localToken(flags, 'X_TOKEN', env)).toThrow(new UsageError(message));
  });

  it('refuses an empty token file', () => {
    const file = path.join(dir, 'empty');
    fs.writeFileSync(file, '\n');
    expect(() => localToken({ 'token-file': file }, 'X_TOKEN', {})).toThrow(`--token-file ${file}: the file is empty`);
  });
});
