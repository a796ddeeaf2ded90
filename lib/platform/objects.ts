import type { EnvironmentConfig } from '../config';
import type { KubernetesObject } from '../k8s/types';
import { SECRET_STORE_NAME } from './addons';

/**
 * Cluster-wide objects the platform provides to the workloads (pure, rendered and applied like the workloads):
 * the default gp3 StorageClass, the Secrets Manager store of External Secrets Operator, and the CA that issues
 * the Thanos gRPC certificates.
 */

const labels = (component: string) => ({
  'app.kubernetes.io/part-of': 'greenlang-observability',
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/managed-by': 'greenlang-observability-cdk',
});

/** The default StorageClass: encrypted gp3 through the EBS CSI driver. */
export const GP3_STORAGE_CLASS = 'gp3';
/** cert-manager ClusterIssuer that signs the Thanos gRPC server and client certificates (one CA for all). */

/**
 * gp3, encrypted, bound when the pod is scheduled (so the volume is created in the pod's zone: the node group
 * spans zones and EBS volumes do not), expandable (Prometheus' 7d / 50GB may grow with series count).
 */
export function gp3StorageClass(): KubernetesObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: GP3_STORAGE_CLASS,
      labels: labels('storage'),
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: 'ebs.csi.aws.com',
    parameters: { type: 'gp3', encrypted: 'true', fsType: 'ext4' },
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  };
}

/**
 * Secrets Manager as a ClusterSecretStore. No credentials in the store: the ESO controller's IRSA role reads
 * `greenlang-<env>/*` only; only the monitoring namespace may use the store.
 */
export function secretsManagerStore(config: EnvironmentConfig): KubernetesObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: SECRET_STORE_NAME, labels: labels('secrets') },
    spec: {
      provider: { aws: { service: 'SecretsManager', region: config.region } },
      conditions: [{ namespaces: ['monitoring'] }],
    },
  };
}

/** Cluster-scoped objects with no CRD behind them: applied before any Helm release (volumes need the class). */
export function platformBaseObjects(): KubernetesObject[] {
  return [gp3StorageClass()];
}

/**
 * Objects whose CRDs come from the add-on charts: applied after those releases. (The Thanos gRPC CA chain is a
 * workload concern: lib/k8s/thanos-tls.ts, namespaced in monitoring.)
 */
export function platformAddonObjects(config: EnvironmentConfig): KubernetesObject[] {
  return [secretsManagerStore(config)];
}

/** Every platform object, in apply order (what render writes next to the workloads). */
export function platformKubernetesObjects(config: EnvironmentConfig): KubernetesObject[] {
  return [...platformBaseObjects(), ...platformAddonObjects(config)];
}
