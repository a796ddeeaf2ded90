import { ClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../../lib/config';
import { SECRET_STORE_NAME } from '../../../lib/platform/addons';
import {
  GP3_STORAGE_CLASS,
  gp3StorageClass,
  platformAddonObjects,
  platformBaseObjects,
  platformKubernetesObjects,
  secretsManagerStore,
} from '../../../lib/platform/objects';

describe('the gp3 StorageClass', () => {
  const storageClass = gp3StorageClass();

  it('is a valid StorageClass', () => {
    expect(() => new StorageClass(storageClass as never).validate()).not.toThrow();
    // The schema check is live: a class without its provisioner is rejected.
    expect(() => new StorageClass({ ...storageClass, provisioner: undefined } as never).validate()).toThrow(
      /provisioner/,
    );
  });

  it('is the default class: encrypted gp3 through the EBS CSI driver, created in the pod zone, expandable', () => {
    expect(storageClass).toMatchObject({
      metadata: { name: GP3_STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    });
  });

  it('is applied before any release (it has no CRD behind it)', () => {
    expect(platformBaseObjects()).toEqual([storageClass]);
  });
});

describe.each(ENVIRONMENT_NAMES)('the Secrets Manager store of %s', (env) => {
  const config = loadEnvironmentConfig(env);
  const store = secretsManagerStore(config);

  it('is a valid external-secrets.io/v1 ClusterSecretStore', () => {
    expect(() => new ClusterSecretStore(store as never).validate()).not.toThrow();
  });

  it("reads Secrets Manager of the environment's region, with the controller's own role, for monitoring only", () => {
    expect(store.metadata.name).toBe(SECRET_STORE_NAME);
    expect(store.spec).toEqual({
      provider: { aws: { service: 'SecretsManager', region: config.region } },
      conditions: [{ namespaces: ['monitoring'] }],
    });
  });
});

/** API groups the API server serves without a CRD (the core group is ''). */
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io']);
const needsCrd = (apiVersion: string) =>
  !BUILT_IN_GROUPS.has(apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '');

describe('the platform add-on objects', () => {
  it('are the objects whose CRDs the add-on releases bring', () => {
    const config = loadEnvironmentConfig('dev');
    expect(platformAddonObjects(config).map((o) => o.kind)).toEqual(['ClusterSecretStore']);
    expect(platformAddonObjects(config).every((o) => needsCrd(o.apiVersion))).toBe(true);
  });
});

describe.each(ENVIRONMENT_NAMES)('every platform object of %s', (env) => {
  it('comes in apply order: objects of built-in kinds first, then those whose CRDs the add-on charts bring', () => {
    const objects = platformKubernetesObjects(loadEnvironmentConfig(env));
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'storage.k8s.io/v1 StorageClass',
      'external-secrets.io/v1 ClusterSecretStore',
    ]);
    const firstCrdBacked = objects.findIndex((o) => needsCrd(o.apiVersion));
    expect(objects.slice(firstCrdBacked).every((o) => needsCrd(o.apiVersion))).toBe(true);
    expect(objects.slice(0, firstCrdBacked).some((o) => needsCrd(o.apiVersion))).toBe(false);
  });
});
