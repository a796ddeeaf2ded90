import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type CapacityConfig, parseCapacityConfig } from '../domain/capacity/capacity-config';
import { envContract, parsedVar, pemCertificateVar, stringVar } from './env';

/** Larger than any capacity config inflates to: a bound on what a bad CAPACITY_CONFIG can make the function allocate. */
const MAX_CAPACITY_CONFIG_BYTES = 64 * 1024;

/**
 * CAPACITY_CONFIG's text: the config's JSON, deflated, in base64. The JSON itself is about 2.2 KB, which left too
 * little of Lambda's 4 KB environment for QUERY_CA_PEM (an ECDSA CA under an RSA-4096 root with long names is about
 * 1.9 KB); deflated it is about 0.85 KB. Raw deflate: a gzip header carries the OS byte zlib was built for (zutil.h
 * `OS_CODE`), so the synthesized value would differ by the deployer's platform.
 */
export function encodeCapacityConfig(config: CapacityConfig): string {
  return deflateRawSync(JSON.stringify(config), { level: 9 }).toString('base64');
}

/** Reads what {@link encodeCapacityConfig} wrote, naming CAPACITY_CONFIG in every error. */
export function decodeCapacityConfig(text: string): CapacityConfig {
  let json: string;
  try {
    json = inflateRawSync(Buffer.from(text, 'base64'), { maxOutputLength: MAX_CAPACITY_CONFIG_BYTES }).toString('utf8');
  } catch (error) {
    throw new Error(`CAPACITY_CONFIG: not deflated base64 (encodeCapacityConfig): ${(error as Error).message}`);
  }
  return parseCapacityConfig(json);
}

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
  /** The environment's sizing and retention (`encodeCapacityConfig`, read by `parseCapacityConfig`). */
  capacityConfig: parsedVar('CAPACITY_CONFIG', decodeCapacityConfig),
});
