import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/paths';

/**
 * docs/deploy.md, "TLS: where it is, and the documented deviations": every row is either encrypted with the file
 * that does it (and that file exists), or a deviation with a reason.
 */
const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');
const section = doc.slice(doc.indexOf('### TLS: where it is'), doc.indexOf('## 8. Monthly cost'));
const rows = section
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| Path ') && !line.startsWith('|---'))
  .map((line) => {
    const [pathCell = '', encrypted = '', where = ''] = line.slice(2, -2).split(' | ');
    return { path: pathCell, encrypted, where };
  });

describe('docs/deploy.md TLS table', () => {
  it('has the rows of every HTTP path of the stack', () => {
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const name of ['Prometheus web', 'Thanos Query HTTP', 'Store Gateway HTTP', 'Sidecar HTTP', 'Ruler HTTP']) {
      expect(rows.some((r) => r.path.startsWith(name))).toBe(true);
    }
  });

  it.each(rows.filter((r) => r.encrypted.startsWith('**yes**')).map((r) => [r.path.slice(0, 60), r]))(
    'encrypted row "%s" names the files that do it, and they exist',
    (_name, row) => {
      const files = [...row.where.matchAll(/`(lib\/[^`]+\.ts)`/g)].map((m) => m[1] as string);
      if (row.where !== '—') expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(fs.existsSync(path.join(PROJECT_ROOT, file))).toBe(true);
    },
  );

  it.each(rows.filter((r) => !r.encrypted.startsWith('**yes**')).map((r) => [r.path.slice(0, 60), r]))(
    'deviation "%s" gives a reason, not "not done yet"',
    (_name, row) => {
      expect(row.where.length).toBeGreaterThan(80);
      expect(row.where).not.toMatch(/not done yet|not in this change|todo/i);
    },
  );
});
