import { BYTES_PER_SAMPLE } from './capacity/formulas';
import { DOWNSAMPLING } from './retention';

/**
 * How much scratch disk one compactor run needs, checked against the Fargate pod's ephemeral storage (Fargate: at
 * most 175 GiB).
 *
 * The compactor builds Thanos' default top level, 14-day blocks, and never caps it with
 * `--debug.max-compaction-level`: Thanos downsamples a 5m block to 1h only once it spans at least 10 days
 * (pkg/compact/downsample/downsample.go `ResLevel2DownsampleRange`; cmd/thanos/downsample.go skips shorter 5m
 * blocks, "this must match with at which block size the compactor creates downsampled blocks. Otherwise we may
 * never downsample some data"), and 5m blocks are compacted on the same ranges as raw ones. With 2-day blocks the
 * 1h tier would stay empty and every 5m block would be deleted at its retention with nothing after it. A sizing
 * whose scratch cannot hold 14-day blocks is refused instead.
 *
 * Thanos compacts one group (stream: one Prometheus replica's external labels) at a time with
 * `--compact.concurrency=1`; it downloads the source blocks of the next compaction range and writes the result
 * next to them: ~2× the source blocks of the largest range (docs/components/compact.md, "Disk"). The ranges are
 * Thanos' compaction levels (cmd/thanos/compact.go `compactions = compactionSet{1h, 2h, 8h, 2d, 14d}`, level =
 * index; the default `--debug.max-compaction-level` is the last, 4 = 14 days).
 *
 * The worst-case stream is a Prometheus replica at its scale trigger: `prometheusSeriesPerReplica` series, one
 * sample each per scrape interval, at the seed's 1.5 bytes per sample.
 *
 * Pure: no I/O.
 */

/** Thanos' compaction ranges in hours, by level (cmd/thanos/compact.go `compactions`). */
export const COMPACTION_LEVEL_HOURS = [1, 2, 8, 48, 336] as const;
/** The level the compactor runs to: Thanos' default, the last (14-day blocks). */
export const COMPACTION_LEVEL = 4;
/** Hours of the blocks of {@link COMPACTION_LEVEL}. */
export const TOP_COMPACTION_HOURS = COMPACTION_LEVEL_HOURS[COMPACTION_LEVEL];
/** Hours a 5m block must span before Thanos downsamples it to 1h (`ResLevel2DownsampleRange`: 10 days). */
export const ONE_HOUR_DOWNSAMPLE_SPAN_HOURS = DOWNSAMPLING.fiveMinuteToOneHourMinSpanDays * 24;
/** Compaction writes the output next to the downloaded sources (docs/components/compact.md). */
export const SCRATCH_FACTOR = 2;

/** Scratch bytes to compact one stream ingesting `samplesPerSecond` up to `level`. */
export function compactorScratchBytes(samplesPerSecond: number, level: number): number {
  const hours = COMPACTION_LEVEL_HOURS[level];
  if (hours === undefined) throw new Error(`compaction level ${level}: Thanos has levels 0-${COMPACTION_LEVEL}`);
  return SCRATCH_FACTOR * samplesPerSecond * hours * 3600 * BYTES_PER_SAMPLE;
}

export interface CompactorScratchPlan {
  /** Worst-case samples per second of one stream. */
  readonly streamSamplesPerSecond: number;
  /** Scratch for the 14-day blocks of that stream. */
  readonly scratchBytes: number;
  readonly availableBytes: number;
}

/**
 * The scratch the 14-day blocks of the worst-case stream need; throws a one-line error naming the numbers when
 * `availableBytes` cannot hold it.
 */
export function compactorScratchPlan(input: {
  seriesPerReplica: number;
  scrapeIntervalSeconds: number;
  availableBytes: number;
}): CompactorScratchPlan {
  const streamSamplesPerSecond = input.seriesPerReplica / input.scrapeIntervalSeconds;
  const scratchBytes = compactorScratchBytes(streamSamplesPerSecond, COMPACTION_LEVEL);
  if (scratchBytes <= input.availableBytes) {
    return { streamSamplesPerSecond, scratchBytes, availableBytes: input.availableBytes };
  }
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)}GiB`;
  throw new Error(
    `thanosCompactor.ephemeralStorage: ${gib(input.availableBytes)} cannot hold the compactor's scratch space for 14-day blocks (${gib(scratchBytes)} for ${Math.round(streamSamplesPerSecond)} samples/s per stream), which the 1h tier needs (Thanos downsamples 5m blocks to 1h only once they span 10 days): raise it (Fargate allows 175Gi), lower scaleTriggers.prometheusSeriesPerReplica, or run the compactor on an EC2 node with an EBS volume`,
  );
}
