import { SERVICE_ACCOUNTS, type ThanosIdentity } from '../naming';

/**
 * What each Thanos identity may do on the Thanos bucket and its KMS key. Pure data: the IRSA roles are built
 * from it and the tests read it, so "least privilege" is stated once.
 *
 * - Prometheus (its Thanos sidecar) and the ruler upload blocks: read/write.
 * - The store gateway only serves blocks: read-only (no PutObject, no DeleteObject, no data keys).
 * - The compactor rewrites, downsamples and deletes blocks (retention, `--delete-delay`): read/write/delete.
 *
 * Thanos' objstore S3 client needs ListBucket (bucket ARN) and Get/Put/DeleteObject (object ARNs); with SSE-KMS,
 * writers need GenerateDataKey and readers Decrypt (multipart uploads read back parts, hence writers also
 * Decrypt). No kms:Encrypt: S3 encrypts each object under a data key from GenerateDataKey and never calls Encrypt
 * for the caller (Amazon S3 user guide, "Using server-side encryption with AWS KMS keys", required permissions).
 */
export interface ThanosBucketAccess {
  /** Actions on the bucket ARN itself. */
  readonly bucketActions: readonly string[];
  /** Actions on `<bucket ARN>/*`. */
  readonly objectActions: readonly string[];
  /** Actions on the bucket's KMS key (only through S3). */
  readonly keyActions: readonly string[];
}

const READ: ThanosBucketAccess = {
  bucketActions: ['s3:ListBucket'],
  objectActions: ['s3:GetObject'],
  keyActions: ['kms:Decrypt'],
};

const READ_WRITE: ThanosBucketAccess = {
  bucketActions: ['s3:ListBucket'],
  objectActions: ['s3:GetObject', 's3:PutObject'],
  keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

const READ_WRITE_DELETE: ThanosBucketAccess = {
  bucketActions: ['s3:ListBucket'],
  objectActions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
  keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

/** The access of every identity in `SERVICE_ACCOUNTS`. */
export const THANOS_BUCKET_ACCESS: Readonly<Record<ThanosIdentity, ThanosBucketAccess>> = {
  prometheus: READ_WRITE,
  thanosRuler: READ_WRITE,
  thanosStore: READ,
  thanosCompactor: READ_WRITE_DELETE,
};

/** The identities (IRSA subjects) that reach the Thanos bucket, in a stable order. */
export const THANOS_IDENTITIES = Object.keys(SERVICE_ACCOUNTS) as ThanosIdentity[];

/** Access of one identity; throws on an unknown identity rather than granting nothing silently. */
export function thanosBucketAccess(identity: ThanosIdentity): ThanosBucketAccess {
  const access = THANOS_BUCKET_ACCESS[identity];
  if (!access) {
    throw new Error(`unknown Thanos identity "${identity}": expected one of ${THANOS_IDENTITIES.join(', ')}`);
  }
  return access;
}
