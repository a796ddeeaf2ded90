import { SERVICE_ACCOUNTS, type ThanosIdentity } from '../../../lib/naming';
import { THANOS_BUCKET_ACCESS, THANOS_IDENTITIES, thanosBucketAccess } from '../../../lib/platform/thanos-access';

const allActions = (identity: ThanosIdentity) => {
  const access = thanosBucketAccess(identity);
  return [...access.bucketActions, ...access.objectActions, ...access.keyActions];
};

describe('Thanos bucket access per identity', () => {
  it('covers exactly the service accounts that reach AWS', () => {
    expect([...THANOS_IDENTITIES].sort()).toEqual(Object.keys(SERVICE_ACCOUNTS).sort());
    expect(Object.keys(THANOS_BUCKET_ACCESS).sort()).toEqual(Object.keys(SERVICE_ACCOUNTS).sort());
  });

  it('lets the sidecar (prometheus) and the ruler read and upload blocks, with data keys, but never delete', () => {
    for (const identity of ['prometheus', 'thanosRuler'] as const) {
      expect(thanosBucketAccess(identity)).toEqual({
        bucketActions: ['s3:ListBucket'],
        objectActions: ['s3:GetObject', 's3:PutObject'],
        keyActions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      });
    }
  });

  it('keeps the store gateway read-only: no PutObject, no DeleteObject, no data keys', () => {
    const actions = allActions('thanosStore');
    expect(actions).toEqual(['s3:ListBucket', 's3:GetObject', 'kms:Decrypt']);
    expect(actions).not.toContain('s3:PutObject');
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions).not.toContain('kms:GenerateDataKey');
  });

  it('gives DeleteObject to the compactor and to no one else', () => {
    const deleters = THANOS_IDENTITIES.filter((id) => allActions(id).includes('s3:DeleteObject'));
    expect(deleters).toEqual(['thanosCompactor']);
    expect(thanosBucketAccess('thanosCompactor').objectActions).toEqual([
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
    ]);
  });

  it('never grants wildcard actions', () => {
    for (const identity of THANOS_IDENTITIES) {
      expect(allActions(identity).filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it('names an unknown identity instead of granting nothing', () => {
    expect(() => thanosBucketAccess('thanosSidecar' as ThanosIdentity)).toThrow(
      'unknown Thanos identity "thanosSidecar": expected one of prometheus, thanosStore, thanosRuler, thanosCompactor',
    );
  });
});
