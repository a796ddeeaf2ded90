import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../../lambdas/local/service';
import { parseQueryCa } from '../../../lambdas/local/services/capacity';
import { requireBinaries } from '../../../lib/devstack/processes';
import { type TestPki, testPki } from '../../support/tls-pki';

/** `npm run local -- capacity --query-ca FILE`: the CA the report trusts for an https --query-url (QUERY_CA_PEM). */

const bins = requireBinaries(['openssl']);
const HTTPS_URL = 'https://thanos-query.monitoring.greenlang-dev.internal:9090';

let pki: TestPki;

beforeAll(() => {
  pki = testPki(bins.openssl, 'gl-capacity-options-');
  pki.rootCa('private-ca');
  fs.writeFileSync(
    path.join(pki.dir, 'not-pem.txt'),
    'arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/x\n',
  );
  fs.writeFileSync(
    path.join(pki.dir, 'broken.pem'),
    '-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!\n-----END CERTIFICATE-----\n',
  );
});

afterAll(() => pki?.remove());

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('no UsageError');
}

describe('--query-ca', () => {
  it('is optional: no flag, no CA (Node trusts its public roots)', () => {
    expect(parseQueryCa(undefined, HTTPS_URL)).toBeUndefined();
  });

  it("answers the file's PEM text for an https URL", () => {
    const file = path.join(pki.dir, 'private-ca.pem');
    expect(parseQueryCa(file, HTTPS_URL)).toBe(pki.read('private-ca.pem'));
  });

  it('names the flag and the file when the file is missing', () => {
    const file = path.join(pki.dir, 'absent.pem');
    expect(usageError(() => parseQueryCa(file, HTTPS_URL)).message).toBe(`--query-ca: cannot read ${file} (ENOENT)`);
  });

  it('names the flag when the path is empty', () => {
    expect(usageError(() => parseQueryCa('', HTTPS_URL)).message).toBe(
      '--query-ca: expected a PEM file, got an empty path',
    );
  });

  it('names the flag and the file when it holds no PEM certificate', () => {
    const file = path.join(pki.dir, 'not-pem.txt');
    expect(usageError(() => parseQueryCa(file, HTTPS_URL)).message).toBe(
      `--query-ca: ${file} is not a PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  });

  it('names the flag when the PEM markers hold no certificate', () => {
    const file = path.join(pki.dir, 'broken.pem');
    const message = usageError(() => parseQueryCa(file, HTTPS_URL)).message;
    expect(message).toMatch(
      new RegExp(`^--query-ca: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a PEM certificate \\(`),
    );
    expect(message).not.toContain('\n');
  });

  it('refuses a CA for an http URL, where it would never be used', () => {
    const file = path.join(pki.dir, 'private-ca.pem');
    expect(usageError(() => parseQueryCa(file, 'http://127.0.0.1:9090')).message).toBe(
      '--query-ca is for an https --query-url, got "http://127.0.0.1:9090"',
    );
  });
});
