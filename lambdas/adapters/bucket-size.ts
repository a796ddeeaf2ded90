/**
 * Thanos bucket size per storage class from CloudWatch's daily S3 storage metrics (`AWS/S3` `BucketSizeBytes` by
 * `StorageType`): no listing of millions of objects, and the numbers S3 bills by.
 */
import { type CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';

/**
 * CloudWatch `StorageType` → S3 storage class, as the S3 user guide's daily storage metrics name them. Intelligent-
 * Tiering's Archive Access (AA) and Deep Archive Access (DAA) tiers need a restore before a read, unlike Archive
 * Instant Access (AIA); the `*Overhead` types are billed bytes S3 keeps beside the data (index, metadata, the 128 KB
 * minimum), reported apart from it. A type not listed keeps its CloudWatch name.
 */
export const STORAGE_TYPES: Readonly<Record<string, string>> = {
  StandardStorage: 'STANDARD',
  IntelligentTieringFAStorage: 'INTELLIGENT_TIERING (frequent)',
  IntelligentTieringIAStorage: 'INTELLIGENT_TIERING (infrequent)',
  IntelligentTieringAIAStorage: 'INTELLIGENT_TIERING (archive instant)',
  IntelligentTieringAAStorage: 'INTELLIGENT_TIERING (archive access, restore needed)',
  IntelligentTieringDAAStorage: 'INTELLIGENT_TIERING (deep archive access, restore needed)',
  StandardIAStorage: 'STANDARD_IA',
  StandardIASizeOverhead: 'STANDARD_IA (overhead)',
  OneZoneIAStorage: 'ONEZONE_IA',
  OneZoneIASizeOverhead: 'ONEZONE_IA (overhead)',
  ReducedRedundancyStorage: 'REDUCED_REDUNDANCY',
  GlacierInstantRetrievalStorage: 'GLACIER_IR',
  GlacierInstantRetrievalSizeOverhead: 'GLACIER_IR (overhead)',
  GlacierStorage: 'GLACIER',
  GlacierStagingStorage: 'GLACIER (staging)',
  GlacierObjectOverhead: 'GLACIER (overhead)',
  GlacierS3ObjectOverhead: 'GLACIER (S3 overhead)',
  DeepArchiveStorage: 'DEEP_ARCHIVE',
  DeepArchiveStagingStorage: 'DEEP_ARCHIVE (staging)',
  DeepArchiveObjectOverhead: 'DEEP_ARCHIVE (overhead)',
  DeepArchiveS3ObjectOverhead: 'DEEP_ARCHIVE (S3 overhead)',
  IntAAObjectOverhead: 'INTELLIGENT_TIERING (archive access overhead)',
  IntAAS3ObjectOverhead: 'INTELLIGENT_TIERING (archive access S3 overhead)',
  IntDAAObjectOverhead: 'INTELLIGENT_TIERING (deep archive access overhead)',
  IntDAAS3ObjectOverhead: 'INTELLIGENT_TIERING (deep archive access S3 overhead)',
};

export interface BucketSizeSource {
  /** Latest size per storage class in bytes (classes with no data are left out). */
  bytesByStorageClass(bucketName: string, now: Date): Promise<Record<string, number>>;
}

export function cloudWatchBucketSize(client: CloudWatchClient): BucketSizeSource {
  return {
    async bytesByStorageClass(bucketName, now) {
      const listed = await client.send(
        new ListMetricsCommand({
          Namespace: 'AWS/S3',
          MetricName: 'BucketSizeBytes',
          Dimensions: [{ Name: 'BucketName', Value: bucketName }],
        }),
      );
      const types = (listed.Metrics ?? [])
        .map((m) => m.Dimensions?.find((d) => d.Name === 'StorageType')?.Value)
        .filter((t): t is string => typeof t === 'string');
      if (types.length === 0) return {};
      const result = await client.send(
        new GetMetricDataCommand({
          // The metric is daily and lags up to two days.
          StartTime: new Date(now.getTime() - 3 * 86_400_000),
          EndTime: now,
          ScanBy: 'TimestampDescending',
          MetricDataQueries: types.map((type, i) => ({
            Id: `m${i}`,
            Label: type,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/S3',
                MetricName: 'BucketSizeBytes',
                Dimensions: [
                  { Name: 'BucketName', Value: bucketName },
                  { Name: 'StorageType', Value: type },
                ],
              },
              Period: 86_400,
              Stat: 'Average',
            },
          })),
        }),
      );
      const out: Record<string, number> = {};
      for (const r of result.MetricDataResults ?? []) {
        const latest = r.Values?.[0];
        if (r.Label && latest !== undefined) out[STORAGE_TYPES[r.Label] ?? r.Label] = latest;
      }
      return out;
    },
  };
}
