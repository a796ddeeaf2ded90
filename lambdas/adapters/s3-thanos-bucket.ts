/**
 * The Thanos bucket, read-only: paginated listing, GetObject of small JSON files, and the bucket's lifecycle,
 * encryption and public access block. Nothing here can write or delete.
 */
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  type LifecycleRule,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import type {
  BucketConfiguration,
  ConfigProbe,
  EncryptionRuleConfig,
  LifecycleRuleConfig,
  PublicAccessBlockConfig,
} from '../domain/audit/bucket-config';
import type { ListedObject } from '../domain/audit/listing';

/** The audit's read-only view of the Thanos bucket. */
export interface ThanosBucketReader {
  /** Every object, page by page (ListObjectsV2 order). */
  list(): AsyncIterable<readonly ListedObject[]>;
  /** An object's body as text; undefined when it does not exist (deleted since the listing). */
  getText(key: string): Promise<string | undefined>;
  configuration(): Promise<BucketConfiguration>;
}

/** S3 error names meaning "no such configuration is set". */
const ABSENT = new Set([
  'NoSuchLifecycleConfiguration',
  'ServerSideEncryptionConfigurationNotFoundError',
  'NoSuchPublicAccessBlockConfiguration',
]);

function errorName(error: unknown): string {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.Code ?? e.name ?? 'Error';
}

/** Reads one configuration: absent when S3 says none is set; unavailable (with the reason) when it cannot tell. */
async function probe<T>(read: () => Promise<T>): Promise<ConfigProbe<T>> {
  try {
    return { state: 'present', value: await read() };
  } catch (error) {
    const name = errorName(error);
    if (ABSENT.has(name)) return { state: 'absent' };
    // NotImplemented (S3 stand-ins), AccessDenied (a missing grant): the check is reported as skipped, the rest of
    // the audit still runs.
    if (name === 'NotImplemented' || name === 'AccessDenied' || name === 'MethodNotAllowed') {
      return { state: 'unavailable', reason: `${name}: ${(error as Error).message}` };
    }
    throw error;
  }
}

export function lifecycleRuleConfig(rule: LifecycleRule): LifecycleRuleConfig {
  const filter = rule.Filter;
  const prefix = filter?.Prefix ?? filter?.And?.Prefix ?? rule.Prefix ?? '';
  const hasTagFilter = filter?.Tag !== undefined || (filter?.And?.Tags?.length ?? 0) > 0;
  return {
    ...(rule.ID ? { id: rule.ID } : {}),
    enabled: rule.Status === 'Enabled',
    prefix,
    hasTagFilter,
    ...(rule.Expiration?.Days !== undefined ? { expirationDays: rule.Expiration.Days } : {}),
    ...(rule.Expiration?.Date !== undefined ? { expirationDate: new Date(rule.Expiration.Date).toISOString() } : {}),
    transitions: (rule.Transitions ?? []).map((t) => ({
      ...(t.Days !== undefined ? { days: t.Days } : {}),
      ...(t.Date !== undefined ? { date: new Date(t.Date).toISOString() } : {}),
      storageClass: t.StorageClass ?? 'UNKNOWN',
    })),
    ...(rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined
      ? { abortIncompleteMultipartUploadDays: rule.AbortIncompleteMultipartUpload.DaysAfterInitiation }
      : {}),
  };
}

export class S3ThanosBucketReader implements ThanosBucketReader {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async *list(): AsyncIterable<readonly ListedObject[]> {
    for await (const page of paginateListObjectsV2({ client: this.s3, pageSize: 1000 }, { Bucket: this.bucket })) {
      yield (page.Contents ?? []).map((o) => ({
        key: o.Key ?? '',
        size: o.Size ?? 0,
        lastModified: o.LastModified?.getTime() ?? 0,
        ...(o.ETag ? { etag: o.ETag } : {}),
        ...(o.StorageClass ? { storageClass: o.StorageClass } : {}),
      }));
    }
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async configuration(): Promise<BucketConfiguration> {
    const Bucket = this.bucket;
    const [lifecycle, encryption, publicAccessBlock] = await Promise.all([
      probe(async () => {
        const out = await this.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
        return (out.Rules ?? []).map(lifecycleRuleConfig);
      }),
      probe(async (): Promise<EncryptionRuleConfig[]> => {
        const out = await this.s3.send(new GetBucketEncryptionCommand({ Bucket }));
        return (out.ServerSideEncryptionConfiguration?.Rules ?? []).map((r) => ({
          algorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? 'NONE',
          ...(r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID
            ? { kmsKeyId: r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID }
            : {}),
          ...(r.BucketKeyEnabled !== undefined ? { bucketKeyEnabled: r.BucketKeyEnabled } : {}),
        }));
      }),
      probe(async (): Promise<PublicAccessBlockConfig> => {
        const out = await this.s3.send(new GetPublicAccessBlockCommand({ Bucket }));
        const c = out.PublicAccessBlockConfiguration ?? {};
        return {
          blockPublicAcls: c.BlockPublicAcls === true,
          ignorePublicAcls: c.IgnorePublicAcls === true,
          blockPublicPolicy: c.BlockPublicPolicy === true,
          restrictPublicBuckets: c.RestrictPublicBuckets === true,
        };
      }),
    ]);
    return { lifecycle, encryption, publicAccessBlock };
  }
}
