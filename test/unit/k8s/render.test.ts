import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadEnvironmentConfig } from '../../../lib/config';
import { kubernetesObjects } from '../../../lib/k8s';
import { PROJECT_ROOT } from '../../../lib/paths';
import { platformKubernetesObjects } from '../../../lib/platform/objects';

describe('npm run render -- --env prod', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-render-k8s-'));
  const result = spawnSync('npm', ['run', '--silent', 'render', '--', '--env', 'prod', '--out', out], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });

  it('writes every object, one per file, that parses back to exactly what the builders return', () => {
    expect(result.status).toBe(0);
    const dir = path.join(out, 'kubernetes');
    const files = fs.readdirSync(dir).sort();
    const parsed = files.map((f) => {
      const docs = parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'));
      expect(docs.flatMap((d) => d.errors)).toEqual([]);
      expect(docs).toHaveLength(1);
      return docs[0]?.toJS();
    });
    const config = loadEnvironmentConfig('prod');
    expect(parsed).toEqual([...kubernetesObjects(config), ...platformKubernetesObjects(config)]);
  }, 60_000);

  it('writes the prometheus-operator chart coordinates and values', () => {
    const chart = parseAllDocuments(fs.readFileSync(path.join(out, 'helm/prometheus-operator/chart.yaml'), 'utf8'));
    expect(chart[0]?.toJS()).toEqual({
      release: 'prometheus-operator',
      namespace: 'monitoring',
      repository: 'https://prometheus-community.github.io/helm-charts',
      chart: 'kube-prometheus-stack',
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
    const values = parseAllDocuments(fs.readFileSync(path.join(out, 'helm/prometheus-operator/values.yaml'), 'utf8'));
    expect(values[0]?.toJS().crds).toMatchObject({ enabled: true, upgradeJob: { enabled: true } });
  });
});
