import * as fs from 'node:fs';
import * as path from 'node:path';
import { GRAFANA_OAUTH_KEYS } from '../../../lib/k8s/grafana';
import { SECRET_KINDS } from '../../../lib/naming';
import { PROJECT_ROOT } from '../../../lib/paths';
import { VPC_CNI_CONFIGURATION } from '../../../lib/platform/addons';

const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');

describe('docs/deploy.md', () => {
  it.each(SECRET_KINDS)('names the secret greenlang-<env>/%s with a create command', (kind) => {
    expect(doc).toContain(`| \`greenlang-<env>/${kind}\` |`);
    expect(doc).toContain(`aws secretsmanager create-secret --name greenlang-$ENV/${kind}`);
  });

  it('gives the JSON shape of the Grafana OAuth secret with every property Grafana reads', () => {
    for (const key of GRAFANA_OAUTH_KEYS) expect(doc).toContain(`"${key}":`);
  });

  it('states the network policy configuration it deploys and where policies are not enforced (Fargate)', () => {
    expect(doc).toContain(JSON.stringify(VPC_CNI_CONFIGURATION));
    expect(doc).toMatch(/not enforced on Fargate pods/);
  });

  it('covers the steps a first deployer needs', () => {
    for (const heading of [
      '## 1. Choose the target',
      '## 3. Secrets',
      '## 4. First deploy, in order',
      '### Confirm the email subscriptions',
      '## 5. Batch jobs: a JWT for the push API',
      '## 6. Get in',
      '## 8. Monthly cost',
      '## 9. Teardown',
    ]) {
      expect(doc).toContain(heading);
    }
  });
});
