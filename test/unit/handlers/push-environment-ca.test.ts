import { pushIngestEnv } from '../../../lambdas/contracts/push-ingest';
import { pushRepairEnv } from '../../../lambdas/contracts/push-repair';

/** The push functions' trust of the Pushgateway NLBs' CA (PUSHGATEWAY_CA_PEM, set by the PushIngestion construct). */

const BASE = {
  PUSHGATEWAY_URLS: 'https://pushgateway-0.monitoring.greenlang-dev.internal:9091',
  GROUP_STORE_TABLE: 'groups',
  MAX_PAYLOAD_BYTES: '1048576',
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe.each([
  ['push-ingest', pushIngestEnv],
  ['push-repair', pushRepairEnv],
])('%s environment: PUSHGATEWAY_CA_PEM', (_name, contract) => {
  it('passes the CA on when set', () => {
    expect(contract.read({ ...BASE, PUSHGATEWAY_CA_PEM: PEM }).pushgatewayCa).toBe(PEM);
  });

  it('leaves it unset when unset or empty (Node trusts its public roots then)', () => {
    expect(contract.read(BASE).pushgatewayCa).toBeUndefined();
    expect(contract.read({ ...BASE, PUSHGATEWAY_CA_PEM: '' }).pushgatewayCa).toBeUndefined();
  });

  it('refuses text that is not a PEM certificate, naming the variable', () => {
    expect(() => contract.read({ ...BASE, PUSHGATEWAY_CA_PEM: 'arn:aws:acm-pca:...' })).toThrow(
      'environment variable PUSHGATEWAY_CA_PEM must be a PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
  });
});
