import { COMPACTOR_HALT_TEXTS, classifyCompactorRun } from '../../../lambdas/domain/compactor-metrics';
import {
  COMPACTION_LEVEL,
  COMPACTION_LEVEL_HOURS,
  compactorScratchBytes,
  compactorScratchPlan,
  ONE_HOUR_DOWNSAMPLE_SPAN_HOURS,
} from '../../../lambdas/domain/compactor-scratch';
import { parseQuantity, SEED_SIZING, sizingProblems } from '../../../lambdas/domain/sizing';
import { loadEnvironmentConfig } from '../../../lib/config';
import { thanosCompactArgs } from '../../../lib/k8s/thanos-compactor';

/**
 * Error texts as Thanos v0.39 prints them when `thanos compact` exits in job mode: cmd/thanos/main.go logs
 * `errors.Wrapf(err, "%s command failed", cmd)`. The overlap error is quoted from thanos
 * docs/operating/troubleshooting.md ("Overlaps"); the others are pkg/compact/compact.go's format strings with
 * example arguments.
 */
const exited = (err: string) =>
  `{"caller":"main.go:161","err":"compact command failed: ${err}","level":"error","ts":"2026-11-30T10:00:00Z"}`;
const HALTS = {
  overlap: exited(
    'compaction failed: compaction: pre compaction overlap check: overlaps found while gathering blocks. [mint: 1555128000000, maxt: 1555135200000, range: 2h0m0s, blocks: 2]: <ulid: 01D94ZRM050JQK6NDYNVBNR6WQ, mint: 1555128000000, maxt: 1555135200000, range: 2h0m0s>, <ulid: 01D8AQXTF2X914S419TYTD4P5B, mint: 1555128000000, maxt: 1555135200000, range: 2h0m0s>',
  ),
  overlappingSources: exited(
    'compaction: group 0@5679675083797525161: failed to run pre compaction callback for plan: [01D94ZRM050JQK6NDYNVBNR6WQ 01D8AQXTF2X914S419TYTD4P5B]: overlapping sources detected for plan [01D94ZRM050JQK6NDYNVBNR6WQ 01D8AQXTF2X914S419TYTD4P5B]',
  ),
  unhealthyIndex: exited(
    'compaction: group 0@5679675083797525161: block with not healthy index found /var/thanos/compact/compact/0@5679675083797525161/01D94ZRM050JQK6NDYNVBNR6WQ; Compaction level 1; Labels: map[prometheus:monitoring/greenlang prometheus_replica:prometheus-greenlang-0]',
  ),
  compactBlocks: exited(
    'compaction: group 0@5679675083797525161: compact blocks [/var/thanos/compact/compact/0@5679675083797525161/01D94ZRM050JQK6NDYNVBNR6WQ]',
  ),
  outOfOrder: exited(
    'compaction: group 0@5679675083797525161: blocks with out-of-order chunks are dropped from compaction:  /var/thanos/compact/compact/0@5679675083797525161/01D94ZRM050JQK6NDYNVBNR6WQ',
  ),
} as const;

describe('a compactor run classified from the exit code and the real error texts', () => {
  it.each(Object.entries(HALTS))('%s: exit 1 with a halt error is a halt', (_name, output) => {
    expect(classifyCompactorRun(1, output)).toBe('halted');
  });

  it('a retriable bucket error, an OOM kill (137) or any other non-zero exit is a failure', () => {
    const download = exited(
      'compaction: group 0@5679675083797525161: download block 01D94ZRM050JQK6NDYNVBNR6WQ: context deadline exceeded',
    );
    expect(classifyCompactorRun(1, download)).toBe('failed');
    expect(classifyCompactorRun(137, '')).toBe('failed');
  });

  it('exit 0 is a success whatever was logged, and the --wait-mode halting line alone does not make a halt', () => {
    expect(classifyCompactorRun(0, HALTS.overlap)).toBe('success');
    expect(classifyCompactorRun(1, 'level=error msg="critical error detected; halting"')).toBe('failed');
  });

  it('every halt text is distinct and recognised by itself', () => {
    expect(new Set(COMPACTOR_HALT_TEXTS).size).toBe(COMPACTOR_HALT_TEXTS.length);
    for (const text of COMPACTOR_HALT_TEXTS) expect(classifyCompactorRun(1, exited(text))).toBe('halted');
  });
});

describe('compactor scratch space vs Fargate ephemeral storage', () => {
  const GiB = 2 ** 30;
  it('needs 2× one stream’s source blocks of the largest compaction range', () => {
    expect(COMPACTION_LEVEL_HOURS).toEqual([1, 2, 8, 48, 336]);
    // 500K series every 15s = 33,333 samples/s; 14 days × 1.5 B × 2 = 120.96 GB.
    expect(compactorScratchBytes(500_000 / 15, 4)).toBeCloseTo(120.96e9, -6);
    expect(compactorScratchBytes(500_000 / 15, 3)).toBeCloseTo(17.28e9, -6);
  });

  it('always compacts to 14-day blocks: the 1h tier needs 5m blocks spanning 10 days (Thanos ResLevel2DownsampleRange)', () => {
    expect(COMPACTION_LEVEL).toBe(COMPACTION_LEVEL_HOURS.length - 1);
    expect(COMPACTION_LEVEL_HOURS[COMPACTION_LEVEL]).toBe(336);
    expect(COMPACTION_LEVEL_HOURS[COMPACTION_LEVEL]).toBeGreaterThanOrEqual(ONE_HOUR_DOWNSAMPLE_SPAN_HOURS);
    // The level below it (2-day blocks) could never give a 5m block Thanos downsamples to 1h.
    expect(COMPACTION_LEVEL_HOURS[COMPACTION_LEVEL - 1]).toBeLessThan(ONE_HOUR_DOWNSAMPLE_SPAN_HOURS);
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const args = thanosCompactArgs(loadEnvironmentConfig(env));
      expect(args.filter((a) => a.startsWith('--debug.max-compaction-level'))).toEqual([]);
      expect(args.filter((a) => a.startsWith('--downsampling.disable'))).toEqual([]);
    }
  });

  it('fits the seed sizing (500K series every 15s: ~112.7GiB of 14-day scratch) in its ephemeral storage', () => {
    const plan = compactorScratchPlan({
      seriesPerReplica: 500_000,
      scrapeIntervalSeconds: 15,
      availableBytes: 140 * GiB,
    });
    expect(plan.scratchBytes / GiB).toBeCloseTo(112.65, 1);
    expect(parseQuantity(SEED_SIZING.thanosCompactor.ephemeralStorage)).toBeGreaterThanOrEqual(plan.scratchBytes);
    expect(sizingProblems(SEED_SIZING)).toEqual([]);
  });

  it('refuses a sizing whose scratch cannot hold 14-day blocks, in one line naming what to change', () => {
    // The seed's own 100Gi "PVC" is such a sizing.
    const problems = sizingProblems({ ...SEED_SIZING, thanosCompactor: { ephemeralStorage: '100Gi' } });
    const scratch = problems.filter((p) => p.startsWith('thanosCompactor.ephemeralStorage'));
    expect(scratch).toHaveLength(1);
    expect(scratch[0]).toMatch(
      /100\.0GiB cannot hold the compactor's scratch space for 14-day blocks \(112\.7GiB for 33333 samples\/s per stream\), which the 1h tier needs/,
    );
    expect(scratch[0]).not.toContain('\n');
    expect(() =>
      thanosCompactArgs({
        ...loadEnvironmentConfig('prod'),
        sizing: { ...SEED_SIZING, thanosCompactor: { ephemeralStorage: '100Gi' } },
      }),
    ).toThrow(/cannot hold the compactor's scratch space for 14-day blocks/);
  });
});
