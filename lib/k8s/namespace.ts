import type { KubernetesObject } from './types';

/** The namespace every monitoring component runs in. */
export const MONITORING_NAMESPACE = 'monitoring';

/** Labels every object of the stack carries. */
export function commonLabels(component: string): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': 'greenlang-observability',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': 'greenlang-observability-cdk',
  };
}

export function monitoringNamespace(): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: MONITORING_NAMESPACE,
      labels: { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE, ...commonLabels('namespace') },
    },
  };
}
