/**
 * Thanos bucket size per storage class from CloudWatch's daily S3 storage metrics (`AWS/S3` `BucketSizeBytes` by
 * `StorageType`): no listing of millions of objects, and the numbers S3 bills by.
 */
import { type CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';

/** CloudWatch `StorageType` → S3 storage class (the ones Thanos blocks can be in). */
export const STORAGE_TYPES: Readonly<Record<string, string>> = {
  StandardStorage: 'STANDARD',
  IntelligentTieringFAStorage: 'INTELLIGENT_TIERING (frequent)',
  IntelligentTieringIAStorage: 'INTELLIGENT_TIERING (infrequent)',
  IntelligentTieringAAStorage: 'INTELLIGENT_TIERING (archive instant)',
  StandardIAStorage: 'STANDARD_IA',
  GlacierInstantRetrievalStorage: 'GLACIER_IR',
  GlacierStorage: 'GLACIER',
  DeepArchiveStorage: 'DEEP_ARCHIVE',
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
