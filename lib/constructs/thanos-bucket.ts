import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  type LifecycleTransition,
  lifecycleTransitions,
  type RetentionPolicy,
  retentionPolicyProblems,
} from '../../lambdas/domain/retention';
import { buildKmsBucket } from './secure-defaults';

export interface ThanosBucketProps {
  /** The retention table: lifecycle transitions and multipart cleanup derive from it. */
  readonly retention: RetentionPolicy;
  /** Physical bucket name (deterministic, so Kubernetes objects can name it before deploy). */
  readonly bucketName: string;
  /** KMS alias of the bucket's customer-managed key. */
  readonly keyAlias: string;
  /** Where S3 server access logs go. */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * What happens to the bucket and key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** Overrides for the bucket (merged last). */
  readonly bucketOverrides?: Partial<s3.BucketProps>;
}

const STORAGE_CLASS: Readonly<Record<LifecycleTransition['storageClass'], s3.StorageClass>> = {
  INTELLIGENT_TIERING: s3.StorageClass.INTELLIGENT_TIERING,
  STANDARD_IA: s3.StorageClass.INFREQUENT_ACCESS,
  GLACIER_IR: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
};

/**
 * The Thanos object store: an SSE-KMS bucket (customer-managed key with rotation, bucket key on), TLS only, no
 * public access, server access logs, and lifecycle rules derived from the retention table.
 *
 * The lifecycle only moves objects between readable classes (never Glacier Flexible Retrieval or Deep Archive,
 * which the store gateway cannot read) and never expires blocks: the compactor owns deletion, by block time.
 */
export class ThanosBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;
  /** The transitions applied, from the retention table. */
  public readonly transitions: readonly LifecycleTransition[];

  constructor(scope: Construct, id: string, props: ThanosBucketProps) {
    super(scope, id);
    const problems = retentionPolicyProblems(props.retention);
    if (problems.length > 0) throw new Error(`ThanosBucket: invalid retention policy: ${problems.join('; ')}`);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.transitions = lifecycleTransitions(props.retention);
    ({ bucket: this.bucket, key: this.key } = buildKmsBucket(this, {
      bucketName: props.bucketName,
      keyAlias: props.keyAlias,
      keyDescription: `Encrypts Thanos blocks in ${props.bucketName}`,
      accessLogsBucket: props.accessLogsBucket,
      removalPolicy,
      bucketProps: {
        // No versioning: the compactor rewrites and deletes blocks constantly, and noncurrent copies of every
        // compacted-away block would double the bill without making a deleted block readable to Thanos again.
        versioned: false,
        lifecycleRules: [
          {
            id: 'thanos-storage-tiers',
            enabled: true,
            transitions: this.transitions.map((t) => ({
              storageClass: STORAGE_CLASS[t.storageClass],
              transitionAfter: Duration.days(t.afterDays),
            })),
          },
          {
            // Thanos uploads chunk files multipart; an interrupted upload leaves invisible, billed parts.
            id: 'abort-incomplete-multipart-uploads',
            enabled: true,
            abortIncompleteMultipartUploadAfter: Duration.days(props.retention.abortIncompleteMultipartUploadDays),
          },
        ],
        ...props.bucketOverrides,
      },
    }));
  }
}
