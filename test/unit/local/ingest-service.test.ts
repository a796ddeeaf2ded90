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
  ])('%j → %s', async (argv, message) => {
    const run = service.run(argv, output, new AbortController().signal);
    await expect(run).rejects.toThrow(UsageError);
    await expect(service.run(argv, output, new AbortController().signal)).rejects.toThrow(message);
  });
});
