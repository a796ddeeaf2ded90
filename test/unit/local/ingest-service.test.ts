import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../../lambdas/local/service';
import { service } from '../../../lambdas/local/services/ingest';

const output = { result() {}, info() {} };

describe('npm run local -- ingest: flags', () => {
  it.each([
    [[], '--port is required: the port to listen on, e.g. --port 9091 (0 = any free port)'],
    [['--port', 'x', '--pushgateway', 'http://a:9091'], '--port must be a port number 0..65535, got "x"'],
    [['--port', '70000', '--pushgateway', 'http://a:9091'], '--port must be a port number 0..65535, got "70000"'],
    [['--port', '0'], 'at least one --pushgateway URL is required'],
    [['--port', '0', '--pushgateway', 'a:9091'], '--pushgateway must be an http(s) URL, got "a:9091"'],
    [['--port', '0', '--pushgateway', 'http://a:9091', '--token', ''], '--token must not be empty'],
    [
      ['--port', '0', '--pushgateway', 'http://a', '--max-payload-bytes', '0'],
      '--max-payload-bytes must be a positive integer, got "0"',
    ],
    [
      ['--port', '0', '--pushgateway', 'http://a', '--store-sync', 'sometimes'],
      '--store-sync must be one of always, none, got "sometimes"',
    ],
    [['--port', '0', '--nope'], "Unknown option '--nope'"],
    [
      ['--port', '0', '--pushgateway', 'http://a', '--pushgateway-auth-file', '/nonexistent/auth.json'],
      '--pushgateway-auth-file /nonexistent/auth.json: cannot read it (ENOENT)',
    ],
    ...(
      [
        ['not json', 'not JSON; expected {"username": "...", "password": "..."}'],
        ['{"username": "u"}', '"password" must be a non-empty string'],
        ['{"username": "a:b", "password": "p"}', '"username" must not contain ":" (RFC 7617)'],
        ['{"username": "u", "password": "p\\n"}', '"password" holds a control character'],
      ] as const
    ).map(([text, problem]): [string[], string] => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gl-auth-flag-')), 'auth.json');
      fs.writeFileSync(file, text);
      return [['--port', '0', '--pushgateway', 'http://a', '--pushgateway-auth-file', file], `${file}: ${problem}`];
    }),
  ])('%j → %s', async (argv, message) => {
    const run = service.run(argv, output, new AbortController().signal);
    await expect(run).rejects.toThrow(UsageError);
    await expect(service.run(argv, output, new AbortController().signal)).rejects.toThrow(message);
  });
});
