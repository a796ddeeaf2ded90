import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadEnvironmentConfig } from '../../../lib/config';
import { PROJECT_ROOT } from '../../../lib/paths';
import { renderPlan } from '../../../lib/render/plan';
import { writeRenderedFiles } from '../../../lib/render/write';

/** The contract users script against: `npm run render -- ...`. */
const render = (...args: string[]) =>
  spawnSync('npm', ['run', '--silent', 'render', '--', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });

describe('renderPlan', () => {
  it('writes the monitoring namespace first', () => {
    const files = renderPlan(loadEnvironmentConfig('dev'));
    expect(files[0]).toEqual({
      path: 'kubernetes/000-namespace-monitoring.yaml',
      documents: [
        expect.objectContaining({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: expect.objectContaining({ name: 'monitoring' }),
        }),
      ],
    });
  });

  it('never writes two files to one path', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const paths = renderPlan(loadEnvironmentConfig(env)).map((f) => f.path);
      expect(new Set(paths).size).toBe(paths.length);
    }
  });

  it('refuses to write two files to the same path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-render-'));
    expect(() =>
      writeRenderedFiles(
        [
          { path: 'a.yaml', documents: [1] },
          { path: 'a.yaml', documents: [2] },
        ],
        dir,
      ),
    ).toThrow('render: two files would be written to a.yaml');
  });
});

describe('npm run render', () => {
  it('writes the files as YAML that parses back to the same objects, and prints only JSON on stdout', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-render-'));
    const result = render('--env', 'prod', '--out', out);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as { env: string; files: string[] };
    expect(summary.env).toBe('prod');
    const plan = renderPlan(loadEnvironmentConfig('prod'));
    expect(summary.files).toEqual(plan.map((f) => f.path));
    for (const file of plan) {
      const docs = parseAllDocuments(fs.readFileSync(path.join(out, file.path), 'utf8')).map((d) => d.toJS());
      expect(docs).toEqual(file.documents);
    }
  });

  it('removes files an earlier render wrote that this one does not, and nothing else', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-render-'));
    fs.mkdirSync(path.join(out, 'kubernetes'));
    fs.writeFileSync(path.join(out, 'kubernetes', 'stale.yaml'), 'x: 1\n');
    fs.writeFileSync(path.join(out, 'mine.txt'), 'keep me');
    fs.writeFileSync(
      path.join(out, 'render.json'),
      JSON.stringify({ files: ['kubernetes/stale.yaml', '../outside.txt'] }),
    );
    fs.writeFileSync(path.join(path.dirname(out), 'outside.txt'), 'keep me too');
    const result = render('--env', 'dev', '--out', out);
    expect(result.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'kubernetes', 'stale.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(out, 'mine.txt'), 'utf8')).toBe('keep me');
    expect(fs.readFileSync(path.join(path.dirname(out), 'outside.txt'), 'utf8')).toBe('keep me too');
  });

  it('fails with a clear message for an unknown environment and for a missing --out', () => {
    const unknown = render('--env', 'qa', '--out', os.tmpdir());
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('Unknown environment "qa": must be one of dev, staging, prod.');
    const missing = render('--env', 'dev');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--out DIR is required');
  });
});
