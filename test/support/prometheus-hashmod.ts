import { createHash } from 'node:crypto';

/**
 * Prometheus' `hashmod` relabel action, which Thanos' block filter runs too (prometheus/model/relabel/relabel.go:
 * `mod := sum64(md5.Sum([]byte(val))) % cfg.Modulus`; `sum64` shifts byte i by (15 - i) * 8 bits into a uint64, so
 * the first 8 bytes shift out and what is left is the md5's last 8 bytes, big-endian). Checked against the real
 * Prometheus in test/integration/store-shards-relabel.test.ts.
 */
export function hashmod(value: string, modulus: number): number {
  return Number(createHash('md5').update(value).digest().readBigUInt64BE(8) % BigInt(modulus));
}
