import { spawnSync } from 'node:child_process';
import { compactorRunScript, shellQuote } from '../../../lib/k8s/compactor-script';

const ok = { pushgatewayUrls: ['http://pushgateway-0.pushgateway:9091'], thanosArgs: ['compact', '--data-dir=/d'] };

describe('compactorRunScript', () => {
  it.each([
    [{ ...ok, pushgatewayUrls: [] }, 'compactorRunScript: pushgatewayUrls is empty'],
    [
      { ...ok, pushgatewayUrls: ['http://x:9091/$(reboot)'] },
      'not a plain http(s) base URL: "http://x:9091/$(reboot)"',
    ],
    [{ ...ok, thanosArgs: ['store'] }, 'thanosArgs must start with "compact", got "store"'],
    [{ ...ok, thanosArgs: ['compact', '--wait'] }, '--wait makes the compactor run forever'],
    [{ ...ok, thanosArgs: ['compact', '--wait=true'] }, '--wait makes the compactor run forever'],
    [{ ...ok, job: 'a b' }, 'job must match'],
  ])('refuses %j', (props, message) => {
    expect(() => compactorRunScript(props)).toThrow(message);
  });

  it('generates a script sh accepts (syntax check)', () => {
    const check = spawnSync('sh', ['-n', '-c', compactorRunScript(ok)], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('quotes arguments so sh passes them through unchanged', () => {
    for (const word of ["it's", 'a b', '$HOME', '`x`', '"q"', 'type: IN-MEMORY\nconfig: {}']) {
      const echoed = spawnSync('sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' });
      expect(echoed.stdout).toBe(word);
    }
  });
});
