/**
 * The retention table: ONE description of how long metrics live at each resolution and where they are stored.
 *
 * Three things derive from it, so they can never disagree:
 * - the S3 lifecycle rules of the Thanos bucket ({@link lifecycleTransitions}),
 * - the compactor's retention flags ({@link compactorRetentionArgs}),
 * - the thresholds of the daily bucket audit.
 *
 * Pure: no I/O, no AWS SDK, no CDK.
 */

/** A Thanos block resolution (meta.json `thanos.downsample.resolution`: 0, 300000, 3600000 ms). */
export const RESOLUTIONS = ['raw', '5m', '1h'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** `thanos.downsample.resolution` in a block's meta.json, in milliseconds. */
export const RESOLUTION_MILLIS: Readonly<Record<Resolution, number>> = { raw: 0, '5m': 300_000, '1h': 3_600_000 };

/**
 * S3 storage classes a live Thanos block may sit in. Every one is readable in milliseconds.
 * Glacier Flexible Retrieval (`GLACIER`) and Deep Archive (`DEEP_ARCHIVE`) need a restore before any read, so
 * the store gateway fails on blocks stored there (thanos#7975): they are deliberately not in this list.
 */
export const READABLE_STORAGE_CLASSES = ['STANDARD', 'INTELLIGENT_TIERING', 'STANDARD_IA', 'GLACIER_IR'] as const;
export type ReadableStorageClass = (typeof READABLE_STORAGE_CLASSES)[number];

/** Storage classes that make a live block unreadable for the store gateway. */
export const UNREADABLE_STORAGE_CLASSES = ['GLACIER', 'DEEP_ARCHIVE'] as const;

/** Where a tier's data lives: Prometheus' local disk, or an S3 storage class. */
export type TierStorage = 'LOCAL_SSD' | ReadableStorageClass;

/** One row of the seed's "Retention Tiers" table. Day ranges are [fromDay, untilDay). */
export interface StorageTier {
  readonly name: string;
  readonly resolution: Resolution;
  readonly fromDay: number;
  readonly untilDay: number;
  readonly storage: TierStorage;
}

export interface RetentionPolicy {
  /** Days each resolution is kept in the bucket (the compactor's `--retention.resolution-*`). */
  readonly resolutionDays: Readonly<Record<Resolution, number>>;
  /** The tiers, ordered by age; the first is Prometheus' local disk. */
  readonly tiers: readonly StorageTier[];
  /** Hours between a block's deletion mark and its deletion (the compactor's `--delete-delay`). */
  readonly deleteDelayHours: number;
  /** Minutes a new block may stay without meta.json before it counts as partial (Thanos `--consistency-delay`). */
  readonly consistencyDelayMinutes: number;
  /** Days after which S3 aborts an incomplete multipart upload (Thanos uploads chunks multipart). */
  readonly abortIncompleteMultipartUploadDays: number;
}

/** The seed's retention: raw 30d, 5m 120d, 1h 730d; hot local 7d, then Standard, Intelligent-Tiering, Glacier IR. */
export const SEED_RETENTION_POLICY: RetentionPolicy = {
  resolutionDays: { raw: 30, '5m': 120, '1h': 730 },
  tiers: [
    { name: 'hot', resolution: 'raw', fromDay: 0, untilDay: 7, storage: 'LOCAL_SSD' },
    { name: 'warm', resolution: 'raw', fromDay: 7, untilDay: 30, storage: 'STANDARD' },
    { name: 'cool', resolution: '5m', fromDay: 30, untilDay: 120, storage: 'INTELLIGENT_TIERING' },
    // The seed says "S3 Glacier": Instant Retrieval is the Glacier class the store gateway can read.
    { name: 'cold', resolution: '1h', fromDay: 120, untilDay: 730, storage: 'GLACIER_IR' },
  ],
  deleteDelayHours: 48,
  consistencyDelayMinutes: 30,
  abortIncompleteMultipartUploadDays: 7,
};

/** Downsampling thresholds (Thanos compactor): block spans that get a lower-resolution twin. */
export const DOWNSAMPLING = {
  /** Raw blocks spanning at least 40h get a 5m twin. */
  rawToFiveMinuteMinSpanHours: 40,
  /** 5m blocks spanning at least 10 days get a 1h twin. */
  fiveMinuteToOneHourMinSpanDays: 10,
} as const;

/** A lifecycle transition of the Thanos bucket: objects older than `afterDays` move to `storageClass`. */
export interface LifecycleTransition {
  readonly afterDays: number;
  readonly storageClass: Exclude<ReadableStorageClass, 'STANDARD'>;
}

/**
 * The lifecycle transitions of the Thanos bucket, derived from the tiers: each S3 tier after the first moves
 * objects into its class when they reach the tier's first day. Lifecycle acts on object age, which is never more
 * than block age, so an object is never colder than its data.
 */
export function lifecycleTransitions(policy: RetentionPolicy): LifecycleTransition[] {
  const transitions: LifecycleTransition[] = [];
  let current: TierStorage | undefined;
  for (const tier of policy.tiers) {
    if (tier.storage === 'LOCAL_SSD') continue;
    if (current === undefined) {
      current = tier.storage;
      if (tier.storage !== 'STANDARD') transitions.push({ afterDays: 0, storageClass: tier.storage });
      continue;
    }
    if (tier.storage !== current && tier.storage !== 'STANDARD') {
      transitions.push({ afterDays: tier.fromDay, storageClass: tier.storage });
    }
    current = tier.storage;
  }
  return transitions;
}

/** The longest retention of any resolution: no block may expire earlier (the compactor owns deletion). */
export function longestRetentionDays(policy: RetentionPolicy): number {
  return Math.max(...RESOLUTIONS.map((r) => policy.resolutionDays[r]));
}

/** The compactor's retention and deletion flags, e.g. `--retention.resolution-raw=30d`. */
export function compactorRetentionArgs(policy: RetentionPolicy): string[] {
  return [
    `--retention.resolution-raw=${policy.resolutionDays.raw}d`,
    `--retention.resolution-5m=${policy.resolutionDays['5m']}d`,
    `--retention.resolution-1h=${policy.resolutionDays['1h']}d`,
    `--delete-delay=${policy.deleteDelayHours}h`,
    `--consistency-delay=${policy.consistencyDelayMinutes}m`,
  ];
}

/**
 * How long each Thanos Ruler replica keeps its evaluated samples on its own volume: the operator's default
 * (ThanosRuler `spec.retention`, `+kubebuilder:default:="24h"`, prometheus-operator pkg/apis/monitoring/v1/
 * thanos_types.go), stated on the CR from here so the bucket audit judges a Ruler stream's gap by the same figure.
 */
export const RULER_LOCAL_RETENTION_HOURS = 24;

/** Prometheus' local retention (the hot tier), in days. */
export function localRetentionDays(policy: RetentionPolicy): number {
  const hot = policy.tiers.filter((t) => t.storage === 'LOCAL_SSD');
  return hot.length === 0 ? 0 : Math.max(...hot.map((t) => t.untilDay));
}

/**
 * Checks the invariants that make a retention policy safe to run. Returns problems as `path: message` strings;
 * empty means valid.
 */
export function retentionPolicyProblems(policy: RetentionPolicy): string[] {
  const problems: string[] = [];
  const { raw, '5m': fiveMinute, '1h': oneHour } = policy.resolutionDays;
  // Downsampling reads raw blocks spanning >= 40h and 5m blocks spanning >= 10d: shorter retention leaves
  // nothing to downsample, and the lower resolutions never appear.
  if (raw < 2)
    problems.push(
      `resolutionDays.raw: must be at least 2 days so raw blocks live long enough (40h) to be downsampled, got ${raw}`,
    );
  if (fiveMinute < raw)
    problems.push(`resolutionDays.5m: must be at least resolutionDays.raw (${raw}), got ${fiveMinute}`);
  if (fiveMinute < 10)
    problems.push(
      `resolutionDays.5m: must be at least 10 days so 5m blocks can be downsampled to 1h, got ${fiveMinute}`,
    );
  if (oneHour < fiveMinute)
    problems.push(`resolutionDays.1h: must be at least resolutionDays.5m (${fiveMinute}), got ${oneHour}`);

  const tiers = policy.tiers;
  if (tiers.length === 0) problems.push('tiers: must list at least one tier');
  tiers.forEach((tier, i) => {
    if (tier.untilDay <= tier.fromDay) {
      problems.push(`tiers[${i}] (${tier.name}): untilDay (${tier.untilDay}) must be after fromDay (${tier.fromDay})`);
    }
    const previous = tiers[i - 1];
    if (i === 0 && tier.fromDay !== 0)
      problems.push(`tiers[0] (${tier.name}): must start at day 0, got ${tier.fromDay}`);
    if (previous && tier.fromDay !== previous.untilDay) {
      problems.push(
        `tiers[${i}] (${tier.name}): fromDay (${tier.fromDay}) must equal the previous tier's untilDay (${previous.untilDay})`,
      );
    }
    if (tier.storage === 'LOCAL_SSD' && previous && previous.storage !== 'LOCAL_SSD') {
      problems.push(`tiers[${i}] (${tier.name}): the local tier must come before every S3 tier`);
    }
    if (
      tier.storage !== 'LOCAL_SSD' &&
      tier.untilDay > policy.resolutionDays[tier.resolution] &&
      tier !== tiers.at(-1)
    ) {
      problems.push(
        `tiers[${i}] (${tier.name}): ends at day ${tier.untilDay}, after ${tier.resolution} data is deleted (day ${policy.resolutionDays[tier.resolution]})`,
      );
    }
  });
  const last = tiers.at(-1);
  const longest = longestRetentionDays(policy);
  if (last && last.untilDay !== longest) {
    problems.push(`tiers: the last tier must end at the longest retention (${longest} days), got ${last.untilDay}`);
  }
  if (policy.deleteDelayHours < 1)
    problems.push(`deleteDelayHours: must be at least 1, got ${policy.deleteDelayHours}`);
  if (policy.consistencyDelayMinutes < 0)
    problems.push(`consistencyDelayMinutes: must not be negative, got ${policy.consistencyDelayMinutes}`);
  if (policy.abortIncompleteMultipartUploadDays < 1) {
    problems.push(
      `abortIncompleteMultipartUploadDays: must be at least 1, got ${policy.abortIncompleteMultipartUploadDays}`,
    );
  }
  return problems;
}
