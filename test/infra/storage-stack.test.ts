import { Match } from 'aws-cdk-lib/assertions';
import { lifecycleTransitions, SEED_RETENTION_POLICY } from '../../lambdas/domain/retention';
import { loadEnvironmentConfig } from '../../lib/config';
import { thanosBucketName, thanosKeyAlias } from '../../lib/naming';
import { synthesizeEnvironment } from '../support/cdk';

const prod = synthesizeEnvironment('prod');
const storage = prod.template(prod.stacks.storage);
const prodConfig = loadEnvironmentConfig('prod');

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

function bucketNamed(name: string): [string, Resource] {
  const buckets = Object.entries(storage.findResources('AWS::S3::Bucket', { Properties: { BucketName: name } }));
  expect(buckets).toHaveLength(1);
  return buckets[0] as [string, Resource];
}

const [thanosLogicalId, thanosBucket] = bucketNamed(thanosBucketName(prodConfig));
const thanosRules = (thanosBucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;

describe('the Thanos bucket', () => {
  it('is named after the seed (gl-thanos-metrics-<env>), made unique by account and region', () => {
    expect(thanosBucketName(prodConfig)).toBe('gl-thanos-metrics-prod-333333333333-eu-west-1');
  });

  it('is encrypted with SSE-KMS under its own rotating customer-managed key, with a bucket key', () => {
    const aliases = Object.values(
      storage.findResources('AWS::KMS::Alias', { Properties: { AliasName: thanosKeyAlias('prod') } }),
    );
    expect(aliases).toHaveLength(1);
    const targetKey = (aliases[0] as Resource).Properties.TargetKeyId as { 'Fn::GetAtt': [string, string] };
    const keyLogicalId = targetKey['Fn::GetAtt'][0];
    expect((storage.toJSON().Resources[keyLogicalId] as Resource).Properties.EnableKeyRotation).toBe(true);
    expect(thanosBucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [keyLogicalId, 'Arn'] },
          },
        },
      ],
    });
  });

  it('blocks all public access and logs access to the access-logs bucket', () => {
    expect(thanosBucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(thanosBucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: expect.stringMatching(/^AccessLogs/) },
      LogFilePrefix: `${thanosBucketName(prodConfig)}/`,
    });
  });

  it('denies every request that does not use TLS 1.2+', () => {
    storage.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: thanosLogicalId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      },
    });
  });

  it('transitions blocks through the tiers of the retention table, to Glacier Instant Retrieval only', () => {
    const tiering = thanosRules.find((r) => r.Id === 'thanos-storage-tiers');
    const expected = lifecycleTransitions(SEED_RETENTION_POLICY).map((t) => ({
      StorageClass: t.storageClass,
      TransitionInDays: t.afterDays,
    }));
    expect(tiering?.Transitions).toEqual(expected);
    expect(expected).toEqual([
      { StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 },
      { StorageClass: 'GLACIER_IR', TransitionInDays: 120 },
    ]);
    const classes = thanosRules.flatMap((r) =>
      ((r.Transitions as { StorageClass: string }[] | undefined) ?? []).map((t) => t.StorageClass),
    );
    expect(classes).not.toContain('GLACIER');
    expect(classes).not.toContain('DEEP_ARCHIVE');
  });

  it('never expires blocks (the compactor owns deletion) and aborts incomplete multipart uploads', () => {
    for (const rule of thanosRules) {
      expect(rule).not.toHaveProperty('ExpirationInDays');
      expect(rule).not.toHaveProperty('ExpirationDate');
      expect(rule).not.toHaveProperty('NoncurrentVersionExpiration');
    }
    expect(thanosRules).toContainEqual({
      Id: 'abort-incomplete-multipart-uploads',
      Status: 'Enabled',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: SEED_RETENTION_POLICY.abortIncompleteMultipartUploadDays },
    });
  });

  it('is retained in prod, with its key', () => {
    expect(thanosBucket.DeletionPolicy).toBe('Retain');
    expect(thanosBucket.UpdateReplacePolicy).toBe('Retain');
    for (const key of Object.values(storage.findResources('AWS::KMS::Key')))
      expect((key as Resource).DeletionPolicy).toBe('Retain');
  });

  it('is deleted with the stack in dev', () => {
    const dev = synthesizeEnvironment('dev');
    const devBuckets = dev.template(dev.stacks.storage).findResources('AWS::S3::Bucket', {
      Properties: { BucketName: thanosBucketName(loadEnvironmentConfig('dev')) },
    });
    expect(Object.values(devBuckets).map((b) => (b as Resource).DeletionPolicy)).toEqual(['Delete']);
  });
});

describe('the reports bucket', () => {
  it('is a separate SSE-KMS, TLS-only, versioned bucket that keeps audit state', () => {
    const [logicalId, reports] = bucketNamed(`gl-observability-reports-prod-333333333333-eu-west-1`);
    expect(logicalId).not.toBe(thanosLogicalId);
    expect(reports.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const sse = (
      reports.Properties.BucketEncryption as {
        ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
      }
    ).ServerSideEncryptionConfiguration[0];
    expect(sse?.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    const rules = (reports.Properties.LifecycleConfiguration as { Rules: { Prefix?: string }[] }).Rules;
    const prefixes = rules.map((r) => r.Prefix).filter(Boolean);
    expect(prefixes).toEqual(expect.arrayContaining(['audit/', 'capacity/', 'alert-history/']));
    expect(prefixes).not.toContain('audit-state/');
    storage.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});
