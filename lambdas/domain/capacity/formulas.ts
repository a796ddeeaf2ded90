/**
 * The seed's capacity formulas ("Capacity Planning") and scale triggers ("Horizontal Scaling").
 *
 * Units: the seed's "3KB" and "1GB" are DECIMAL (1 KB = 1000 B, 1 GB = 10^9 B). Only then does its worked example
 * hold exactly: 1,000,000 × 3,000 B × 2 + 10^9 B = 7 × 10^9 B = 7 GB (with 1024-based units it would be 6.72 GiB).
 * Likewise storage: 100,000 samples/s × 7 d × 1.5 B × 2 = 181.44 × 10^9 B ≈ "~180GB".
 *
 * Pure: no I/O.
 */

/** Bytes of Prometheus memory per head series (seed: 3KB, decimal). */
export const BYTES_PER_SERIES = 3_000;
/** The seed doubles the per-series memory (churn, queries, GC headroom). */
export const MEMORY_FACTOR = 2;
/** Fixed memory buffer added on top (seed: 1GB, decimal). */
export const MEMORY_BUFFER_BYTES = 1_000_000_000;
/** Bytes per sample on disk after compression (seed: 1.5 bytes). */
export const BYTES_PER_SAMPLE = 1.5;
/** The seed doubles the storage (compaction, WAL, headroom). */
export const STORAGE_FACTOR = 2;

export const SECONDS_PER_DAY = 86_400;
/** Decimal gigabyte, the unit the seed's examples are in. */
export const GB = 1_000_000_000;

/** Prometheus memory for `series` head series: series × 3 KB × 2 + 1 GB, in bytes. */
export function prometheusMemoryBytes(series: number): number {
  assertNonNegative('series', series);
  return series * BYTES_PER_SERIES * MEMORY_FACTOR + MEMORY_BUFFER_BYTES;
}

/** The head series a memory budget holds by the same formula (0 when the budget is below the buffer). */
export function seriesForMemory(memoryBytes: number): number {
  assertNonNegative('memoryBytes', memoryBytes);
  return Math.max(0, Math.floor((memoryBytes - MEMORY_BUFFER_BYTES) / (BYTES_PER_SERIES * MEMORY_FACTOR)));
}

/** Storage for an ingestion rate kept `retentionDays`: samples/s × retention × 1.5 B × 2, in bytes. */
export function storageBytes(samplesPerSecond: number, retentionDays: number): number {
  assertNonNegative('samplesPerSecond', samplesPerSecond);
  assertNonNegative('retentionDays', retentionDays);
  return samplesPerSecond * retentionDays * SECONDS_PER_DAY * BYTES_PER_SAMPLE * STORAGE_FACTOR;
}

/** The ingestion rate (samples/s) a storage budget holds for `retentionDays` by the same formula. */
export function samplesPerSecondForStorage(bytes: number, retentionDays: number): number {
  assertNonNegative('bytes', bytes);
  if (!(retentionDays > 0)) throw new RangeError(`retentionDays must be positive, got ${retentionDays}`);
  return bytes / (retentionDays * SECONDS_PER_DAY * BYTES_PER_SAMPLE * STORAGE_FACTOR);
}

/** Whether a measured value is above its scale trigger (strictly: the seed says "> 500K", "> 100 QPS", "> 10s"). */
export function exceedsTrigger(value: number, trigger: number): boolean {
  return value > trigger;
}

function assertNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

/** `7000000000` → `7.00 GB` (decimal units, as the seed). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(2)} ${units[unit]}`;
}

/** `1234567` → `1,234,567`; fractions keep up to 2 decimals. */
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
