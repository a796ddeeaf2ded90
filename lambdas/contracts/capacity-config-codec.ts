/**
 * CAPACITY_CONFIG's encoding, apart from the contract: `node:zlib` takes 2–6 ms to load here, so only the
 * composition root (first invocation) and the construct import it, not the function's init.
 */

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type CapacityConfig, parseCapacityConfig } from '../domain/capacity/capacity-config';

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
