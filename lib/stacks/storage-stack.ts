import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { AccessLogsBucket } from '../constructs/access-logs-bucket';
import { ReportsBucket } from '../constructs/reports-bucket';
import { ThanosBucket } from '../constructs/thanos-bucket';
import { accessLogsBucketName, reportsBucketName, thanosBucketName, thanosKeyAlias } from '../naming';

export interface StorageStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * Data that outlives everything else: the Thanos bucket (two years of metrics), the reports bucket and their
 * keys. Its own stack so a cluster rebuild never touches it.
 */
export class StorageStack extends Stack {
  public readonly thanosBucket: s3.IBucket;
  public readonly thanosKey: kms.IKey;
  public readonly reportsBucket: s3.IBucket;
  public readonly reportsKey: kms.IKey;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const accessLogs = new AccessLogsBucket(this, 'AccessLogs', {
      bucketName: accessLogsBucketName(config),
      removalPolicy,
    });
    const thanos = new ThanosBucket(this, 'Thanos', {
      retention: config.retention,
      bucketName: thanosBucketName(config),
      keyAlias: thanosKeyAlias(config.name),
      accessLogsBucket: accessLogs.bucket,
      removalPolicy,
    });
    const reports = new ReportsBucket(this, 'Reports', {
      bucketName: reportsBucketName(config),
      keyAlias: `alias/greenlang-${config.name}-reports`,
      accessLogsBucket: accessLogs.bucket,
      removalPolicy,
    });
    this.thanosBucket = thanos.bucket;
    this.thanosKey = thanos.key;
    this.reportsBucket = reports.bucket;
    this.reportsKey = reports.key;
  }
}
