import { BYTES_PER_SAMPLE } from './capacity/formulas';

/**
 * How much scratch disk one compactor run needs, and which `--debug.max-compaction-level` keeps it within the
 * Fargate pod's ephemeral storage (Fargate: at most 175 GiB).
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
export const DEFAULT_MAX_COMPACTION_LEVEL = COMPACTION_LEVEL_HOURS.length - 1;
/**
 * Lowest level we accept: 2-day blocks. Below it a 2-year retention means thousands of blocks per stream for the
 * store gateway to index.
 */
export const MIN_ACCEPTABLE_COMPACTION_LEVEL = 3;
/** Compaction writes the output next to the downloaded sources (docs/components/compact.md). */
export const SCRATCH_FACTOR = 2;

/** Scratch bytes to compact one stream ingesting `samplesPerSecond` up to `level`. */
export function compactorScratchBytes(samplesPerSecond: number, level: number): number {
  const hours = COMPACTION_LEVEL_HOURS[level];
  if (hours === undefined)
    throw new Error(`compaction level ${level}: Thanos has levels 0-${DEFAULT_MAX_COMPACTION_LEVEL}`);
  return SCRATCH_FACTOR * samplesPerSecond * hours * 3600 * BYTES_PER_SAMPLE;
}

export interface CompactorScratchPlan {
  /** Worst-case samples per second of one stream. */
  readonly streamSamplesPerSecond: number;
  /** The highest level whose scratch fits (4 = Thanos' default: no flag needed). */
  readonly maxCompactionLevel: number;
  readonly scratchBytes: number;
  readonly availableBytes: number;
}

/**
 * The highest compaction level whose scratch fits `availableBytes`; throws a one-line error naming the numbers when
 * not even 2-day blocks fit.
 */
export function compactorScratchPlan(input: {
  seriesPerReplica: number;
  scrapeIntervalSeconds: number;
  availableBytes: number;
}): CompactorScratchPlan {
  const streamSamplesPerSecond = input.seriesPerReplica / input.scrapeIntervalSeconds;
  for (let level = DEFAULT_MAX_COMPACTION_LEVEL; level >= MIN_ACCEPTABLE_COMPACTION_LEVEL; level--) {
    const scratchBytes = compactorScratchBytes(streamSamplesPerSecond, level);
    if (scratchBytes <= input.availableBytes) {
      return { streamSamplesPerSecond, maxCompactionLevel: level, scratchBytes, availableBytes: input.availableBytes };
    }
  }
  const needed = compactorScratchBytes(streamSamplesPerSecond, MIN_ACCEPTABLE_COMPACTION_LEVEL);
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)}GiB`;
  throw new Error(
    `thanosCompactor.ephemeralStorage: ${gib(input.availableBytes)} cannot hold the compactor's scratch space even for ${COMPACTION_LEVEL_HOURS[MIN_ACCEPTABLE_COMPACTION_LEVEL]}h blocks (${gib(needed)} for ${Math.round(streamSamplesPerSecond)} samples/s per stream): raise it (Fargate allows 175Gi), lower scaleTriggers.prometheusSeriesPerReplica, or run the compactor on an EC2 node with an EBS volume`,
  );
}
