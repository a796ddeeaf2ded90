import { stringify } from 'yaml';
import type { EnvironmentConfig } from '../config';
import { thanosBucketName, thanosKeyAlias } from '../naming';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/** The Secret (and key) holding the Thanos objstore config; no credentials in it: IRSA signs the requests. */
export const OBJSTORE_SECRET = { name: 'thanos-objstore', key: 'objstore.yml' } as const;
export const OBJSTORE_MOUNT_DIR = '/etc/thanos/objstore';
export const OBJSTORE_FILE = `${OBJSTORE_MOUNT_DIR}/${OBJSTORE_SECRET.key}`;

/** The objstore config (thanos docs/storage.md): the environment's bucket, SSE-KMS with the Thanos key. */
export function objstoreConfig(config: Pick<EnvironmentConfig, 'name' | 'account' | 'region'>) {
  return {
    type: 'S3',
    config: {
      bucket: thanosBucketName(config),
      endpoint: `s3.${config.region}.amazonaws.com`,
      region: config.region,
      sse_config: { type: 'SSE-KMS', kms_key_id: thanosKeyAlias(config.name) },
    },
  } as const;
}

export function objstoreSecret(config: Pick<EnvironmentConfig, 'name' | 'account' | 'region'>): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: OBJSTORE_SECRET.name, namespace: MONITORING_NAMESPACE, labels: commonLabels('thanos') },
    type: 'Opaque',
    stringData: { [OBJSTORE_SECRET.key]: stringify(objstoreConfig(config)) },
  };
}

export const OBJSTORE_VOLUME = { name: 'objstore', secret: { secretName: OBJSTORE_SECRET.name } } as const;
export const OBJSTORE_VOLUME_MOUNT = { name: 'objstore', mountPath: OBJSTORE_MOUNT_DIR, readOnly: true } as const;
