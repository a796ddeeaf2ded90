import {
  exceedsTrigger,
  formatBytes,
  prometheusMemoryBytes,
  samplesPerSecondForStorage,
  seriesForMemory,
  storageBytes,
} from '../../../../lambdas/domain/capacity/formulas';

describe('Prometheus memory = series × 3 KB × 2 + 1 GB (decimal units)', () => {
  it.each([
    // The seed's worked example: 1M series → 7 GB.
    { series: 1_000_000, bytes: 7_000_000_000 },
    { series: 0, bytes: 1_000_000_000 },
    { series: 500_000, bytes: 4_000_000_000 },
    { series: 2_000_000, bytes: 13_000_000_000 },
  ])('$series series → $bytes bytes', ({ series, bytes }) => {
    expect(prometheusMemoryBytes(series)).toBe(bytes);
  });

  it('the seed example reads "7.00 GB", which only decimal KB/GB give (1024-based would be 7.22e9 bytes)', () => {
    expect(formatBytes(prometheusMemoryBytes(1_000_000))).toBe('7.00 GB');
    expect(prometheusMemoryBytes(1_000_000)).not.toBe(1_000_000 * 3 * 1024 * 2 + 1024 ** 3);
  });

  it('inverts: the series a memory budget holds', () => {
    expect(seriesForMemory(7_000_000_000)).toBe(1_000_000);
    // The seed's 8Gi Prometheus limit holds 1,264,989 series by the formula.
    expect(seriesForMemory(8 * 2 ** 30)).toBe(1_264_989);
    expect(seriesForMemory(500_000_000)).toBe(0);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %p series with a message naming the input', (bad) => {
    expect(() => prometheusMemoryBytes(bad)).toThrow(/series must be a finite number >= 0/);
  });
});

describe('storage = samples/s × retention × 1.5 B × 2', () => {
  it.each([
    // The seed's worked example: 100k samples/s × 7 d → ~180 GB (181.44 GB exactly).
    { rate: 100_000, days: 7, bytes: 181_440_000_000 },
    { rate: 1, days: 1, bytes: 259_200 },
    { rate: 0, days: 30, bytes: 0 },
    { rate: 50_000, days: 30, bytes: 388_800_000_000 },
  ])('$rate samples/s for $days d → $bytes bytes', ({ rate, days, bytes }) => {
    expect(storageBytes(rate, days)).toBeCloseTo(bytes, 3);
  });

  it('the seed example rounds to ~180 GB', () => {
    const gb = storageBytes(100_000, 7) / 1e9;
    expect(gb).toBeGreaterThan(175);
    expect(gb).toBeLessThan(185);
    expect(formatBytes(storageBytes(100_000, 7))).toBe('181.44 GB');
  });

  it('inverts: the rate a storage budget holds', () => {
    expect(samplesPerSecondForStorage(181_440_000_000, 7)).toBeCloseTo(100_000, 6);
    expect(() => samplesPerSecondForStorage(1, 0)).toThrow(/retentionDays must be positive/);
  });

  it('rejects negative rates', () => {
    expect(() => storageBytes(-5, 7)).toThrow(/samplesPerSecond must be a finite number >= 0, got -5/);
  });
});

describe('scale triggers are strict ("> 500K", "> 100 QPS", "> 10s")', () => {
  it.each([
    { value: 500_000, trigger: 500_000, exceeded: false },
    { value: 500_001, trigger: 500_000, exceeded: true },
    { value: 100, trigger: 100, exceeded: false },
    { value: 100.5, trigger: 100, exceeded: true },
    { value: 9.99, trigger: 10, exceeded: false },
    { value: 10.01, trigger: 10, exceeded: true },
  ])('$value vs $trigger → $exceeded', ({ value, trigger, exceeded }) => {
    expect(exceedsTrigger(value, trigger)).toBe(exceeded);
  });
});
