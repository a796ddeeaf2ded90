import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/** The store every ExternalSecret reads from: AWS Secrets Manager in the environment's region. */
export const CLUSTER_SECRET_STORE = 'aws-secrets-manager';

/** The External Secrets Operator's service account (IRSA: the platform stack grants it the secrets). */
export const ESO_SERVICE_ACCOUNT = { name: 'external-secrets', namespace: 'external-secrets' } as const;

/** An ExternalSecret in the monitoring namespace syncing a Secrets Manager secret into a Kubernetes secret. */
export function externalSecret(props: {
  name: string;
  component: string;
  /** `data`: one key per remote secret (or JSON property); `dataFrom`: every JSON property of `extractKey`. */
  data?: { secretKey: string; remoteKey: string; property?: string }[];
  extractKey?: string;
  /**
   * The Kubernetes secret's keys as ESO template v2 Go templates over the fetched values (sprig's functions
   * included); without it the fetched keys are written as they are.
   */
  template?: Readonly<Record<string, string>>;
}): KubernetesObject {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: props.name, namespace: MONITORING_NAMESPACE, labels: commonLabels(props.component) },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: CLUSTER_SECRET_STORE },
      target: {
        name: props.name,
        creationPolicy: 'Owner',
        ...(props.template ? { template: { engineVersion: 'v2', data: { ...props.template } } } : {}),
      },
      ...(props.data
        ? {
            data: props.data.map((d) => ({
              secretKey: d.secretKey,
              remoteRef: { key: d.remoteKey, ...(d.property ? { property: d.property } : {}) },
            })),
          }
        : {}),
      ...(props.extractKey ? { dataFrom: [{ extract: { key: props.extractKey } }] } : {}),
    },
  };
}
