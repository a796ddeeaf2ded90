import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRIVATE_CA_REFRESH_CONTEXT } from '../../../lib/constructs/private-ca-certificate';
import { PROJECT_ROOT } from '../../../lib/paths';
import { INTERNAL_TLS_POLICY } from '../../../lib/platform/addons';

const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');

describe('docs/deploy.md: TLS of the Pushgateway NLBs', () => {
  const row = doc.split('\n').find((line) => line.startsWith('| Pushgateway NLBs')) ?? '';

  it('says the path is encrypted, with the security policy the NLBs get', () => {
    expect(row).toContain('| **yes**');
    expect(row).toContain(INTERNAL_TLS_POLICY);
  });

  it('gives the command that reads a renewed CA certificate again, with the context key the ops stack reads', () => {
    expect(doc).toContain(`-c ${PRIVATE_CA_REFRESH_CONTEXT}=`);
  });
});
