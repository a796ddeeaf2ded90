import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { REPORT_PREFIXES } from '../../lambdas/domain/report-keys';
import { buildKmsBucket } from './secure-defaults';

export interface ReportsBucketProps {
  readonly bucketName: string;
  readonly keyAlias: string;
  readonly accessLogsBucket: s3.IBucket;
  /** Days to keep audit reports, capacity reports and alert history. @default 400 */
  readonly reportExpirationDays?: number;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Output of the ops functions: audit reports and audit state, capacity reports, alert history. Separate from
 * the Thanos bucket so the audit can read that one strictly read-only, and so reports have their own lifecycle.
 */
export class ReportsBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ReportsBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const expiration = Duration.days(props.reportExpirationDays ?? 400);
    ({ bucket: this.bucket, key: this.key } = buildKmsBucket(this, {
      bucketName: props.bucketName,
      keyAlias: props.keyAlias,
      keyDescription: `Encrypts ops reports in ${props.bucketName}`,
      accessLogsBucket: props.accessLogsBucket,
      removalPolicy,
      bucketProps: {
        // Reports are small and written by code: versions protect them from a bad deploy overwriting history.
        versioned: true,
        lifecycleRules: [
          { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30) },
          { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
          // Audit state is NOT expired: it is what makes the next audit incremental.
          ...[
            REPORT_PREFIXES.audit,
            REPORT_PREFIXES.capacity,
            REPORT_PREFIXES.alertHistory,
            REPORT_PREFIXES.summary,
          ].map((prefix) => ({ id: `expire-${prefix.replace(/\/$/, '')}`, prefix, expiration })),
        ],
      },
    }));
  }
}
