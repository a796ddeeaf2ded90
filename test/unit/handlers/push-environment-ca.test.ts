import { readPushEnvironment } from '../../../lambdas/handlers/push-ingest/env';

/** The push functions' trust of the Pushgateway NLBs' CA (PUSHGATEWAY_CA_PEM, set by the PushIngestion construct). */

const BASE = {
  PUSHGATEWAY_URLS: 'https://pushgateway-0.monitoring.greenlang-dev.internal:9091',
  GROUP_STORE_TABLE: 'groups',
  MAX_PAYLOAD_BYTES: '1048576',
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('readPushEnvironment: PUSHGATEWAY_CA_PEM', () => {
  it('passes the CA on when set', () => {
    expect(readPushEnvironment({ ...BASE, PUSHGATEWAY_CA_PEM: PEM }).pushgatewayCa).toBe(PEM);
  });

  it('leaves it out when unset or empty (Node trusts its public roots then)', () => {
    expect(readPushEnvironment(BASE)).not.toHaveProperty('pushgatewayCa');
    expect(readPushEnvironment({ ...BASE, PUSHGATEWAY_CA_PEM: '' })).not.toHaveProperty('pushgatewayCa');
  });

  it('refuses text that is not a PEM certificate, naming the variable', () => {
    expect(() => readPushEnvironment({ ...BASE, PUSHGATEWAY_CA_PEM: 'arn:aws:acm-pca:...' })).toThrow(
      'PUSHGATEWAY_CA_PEM must be a PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
  });
});
