import { envContract, parsedVar, pemCertificateVar, stringVar } from './env';

/** The capacity report's environment, set by the CapacityReport construct. */
export const capacityReportEnv = envContract({
  /** Thanos Query (or Prometheus) base URL: in AWS `https://thanos-query.<zone>:9090` (the query-frontend's NLB). */
  queryUrl: stringVar('QUERY_URL'),
  /**
   * PEM of the AWS Private CA that issues the NLB's certificate: the only CA the client trusts for QUERY_URL (the
   * same CA the push functions get as PUSHGATEWAY_CA_PEM).
   */
  queryCa: pemCertificateVar('QUERY_CA_PEM'),
  reportsBucket: stringVar('REPORTS_BUCKET'),
  thanosBucket: stringVar('THANOS_BUCKET'),
  /**
   * The environment's sizing and retention, deflated base64 (`encodeCapacityConfig` in capacity-config-codec.ts):
   * its shape is checked here, at init; the composition root inflates and parses it on the first invocation.
   */
  capacityConfig: parsedVar('CAPACITY_CONFIG', (text) => {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
      throw new Error('environment variable CAPACITY_CONFIG must be deflated base64 (encodeCapacityConfig)');
    }
    return text;
  }),
});
