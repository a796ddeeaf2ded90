import { gunzipSync } from 'node:zlib';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3AuditStore } from '../../../lambdas/adapters/s3-audit-store';
import { S3ThanosBucketReader } from '../../../lambdas/adapters/s3-thanos-bucket';
import { checkBucketConfiguration } from '../../../lambdas/domain/audit/bucket-config';
import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';

const s3 = mockClient(S3Client);
beforeEach(() => {
  s3.reset();
});

/** A GetObject body as the SDK gives it (only the methods the adapters use). */
const body = (data: string | Uint8Array) => {
  const bytes = Buffer.from(data);
  return {
    transformToString: async () => bytes.toString('utf8'),
    transformToByteArray: async () => new Uint8Array(bytes),
  } as unknown as NonNullable<GetObjectCommandOutput['Body']>;
};
const s3Error = (name: string, status = 404) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: `${name} message` });

const ULID = '01JQ0000000000000000000000';

describe('S3ThanosBucketReader', () => {
  const reader = () => new S3ThanosBucketReader(new S3Client({ region: 'eu-west-1' }), 'thanos');

  it('lists every page, following continuation tokens, keeping ETag and storage class', async () => {
    s3.on(ListObjectsV2Command, { Bucket: 'thanos', ContinuationToken: undefined })
      .resolves({
        Contents: [{ Key: `${ULID}/meta.json`, Size: 900, LastModified: new Date(1000), ETag: '"a"' }],
        IsTruncated: true,
        NextContinuationToken: 't2',
      })
      .on(ListObjectsV2Command, { Bucket: 'thanos', ContinuationToken: 't2' })
      .resolves({
        Contents: [{ Key: `${ULID}/index`, Size: 5, LastModified: new Date(2000), StorageClass: 'GLACIER' }],
        IsTruncated: false,
      });
    const pages = [];
    for await (const page of reader().list()) pages.push(page);
    expect(pages).toEqual([
      [{ key: `${ULID}/meta.json`, size: 900, lastModified: 1000, etag: '"a"' }],
      [{ key: `${ULID}/index`, size: 5, lastModified: 2000, storageClass: 'GLACIER' }],
    ]);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });

  it('reads an object as text, and a vanished one as undefined; other errors propagate', async () => {
    s3.on(GetObjectCommand, { Key: 'a' }).resolves({ Body: body('{"x":1}') });
    s3.on(GetObjectCommand, { Key: 'gone' }).rejects(s3Error('NoSuchKey'));
    s3.on(GetObjectCommand, { Key: 'denied' }).rejects(s3Error('AccessDenied', 403));
    expect(await reader().getText('a')).toBe('{"x":1}');
    expect(await reader().getText('gone')).toBeUndefined();
    await expect(reader().getText('denied')).rejects.toThrow('AccessDenied message');
  });

  it('maps the configuration: lifecycle filters, transitions, expiration, aborts; KMS; public access block', async () => {
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({
      Rules: [
        {
          ID: 'tiers',
          Status: 'Enabled',
          Filter: { Prefix: '' },
          Transitions: [
            { Days: 30, StorageClass: 'INTELLIGENT_TIERING' },
            { Days: 400, StorageClass: 'DEEP_ARCHIVE' },
          ],
        },
        { ID: 'expire', Status: 'Enabled', Filter: { And: { Prefix: '01', Tags: [] } }, Expiration: { Days: 90 } },
        { ID: 'tagged', Status: 'Enabled', Filter: { Tag: { Key: 'k', Value: 'v' } }, Expiration: { Days: 1 } },
        { ID: 'debug', Status: 'Enabled', Filter: { Prefix: 'debug/' }, Expiration: { Days: 1 } },
        { ID: 'off', Status: 'Disabled', Filter: {}, Expiration: { Days: 1 } },
        { ID: 'aborts', Status: 'Enabled', Filter: {}, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      ],
    });
    s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k' },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
    s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: false,
      },
    });
    const config = await reader().configuration();
    expect(config.encryption).toEqual({
      state: 'present',
      value: [{ algorithm: 'aws:kms', kmsKeyId: 'k', bucketKeyEnabled: true }],
    });
    const findings = checkBucketConfiguration(config, SEED_RETENTION_POLICY).findings;
    expect(findings.map((f) => [f.code, f.details.rule ?? f.details.settingsOff])).toEqual([
      ['LIFECYCLE_UNREADABLE_STORAGE_CLASS', 'tiers'],
      ['LIFECYCLE_EXPIRES_LIVE_DATA', 'expire'],
      ['PUBLIC_ACCESS_NOT_BLOCKED', ['restrictPublicBuckets']],
    ]);
  });

  it('tells absent configurations from unavailable ones, and fails on anything else', async () => {
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(s3Error('NoSuchLifecycleConfiguration'));
    s3.on(GetBucketEncryptionCommand).rejects(s3Error('ServerSideEncryptionConfigurationNotFoundError'));
    s3.on(GetPublicAccessBlockCommand).rejects(s3Error('NotImplemented', 501));
    const config = await reader().configuration();
    expect(config.lifecycle).toEqual({ state: 'absent' });
    expect(config.encryption).toEqual({ state: 'absent' });
    expect(config.publicAccessBlock).toEqual({
      state: 'unavailable',
      reason: 'NotImplemented: NotImplemented message',
    });
    const { findings, skipped } = checkBucketConfiguration(config, SEED_RETENTION_POLICY);
    expect(findings.map((f) => f.code)).toEqual(['MULTIPART_ABORT_MISSING', 'BUCKET_NOT_KMS_ENCRYPTED']);
    expect(skipped).toEqual([{ check: 'publicAccessBlock', reason: 'NotImplemented: NotImplemented message' }]);

    s3.on(GetPublicAccessBlockCommand).rejects(s3Error('SlowDown', 503));
    await expect(reader().configuration()).rejects.toThrow('SlowDown message');
  });
});

describe('S3AuditStore', () => {
  const store = () => new S3AuditStore(new S3Client({ region: 'eu-west-1' }), 'reports');

  it('writes the state gzipped under audit-state/<bucket>/ and reads it back; none yet reads as undefined', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store().writeState('thanos', '{"version":1}');
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Key).toBe('audit-state/thanos/state.json.gz');
    expect(gunzipSync(put?.Body as Buffer).toString()).toBe('{"version":1}');

    s3.on(GetObjectCommand, { Key: 'audit-state/thanos/state.json.gz' }).resolves({ Body: body(put?.Body as Buffer) });
    expect(await store().readState('thanos')).toBe('{"version":1}');
    s3.on(GetObjectCommand, { Key: 'audit-state/other/state.json.gz' }).rejects(s3Error('NoSuchKey'));
    expect(await store().readState('other')).toBeUndefined();
  });
});
