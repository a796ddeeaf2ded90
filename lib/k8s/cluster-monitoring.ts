import type { EnvironmentConfig } from '../config';
import { CLUSTER_JOBS } from './cluster-jobs';
import {
  KUBE_STATE_METRICS_SCRAPE_TLS,
  kubeStateMetricsTlsObjects,
  kubeStateMetricsTlsValues,
} from './kube-state-metrics-tls';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import { FROM_MONITORING } from './network-policies';
import { NODE_EXPORTER_SCRAPE_TLS, nodeExporterTlsObjects, nodeExporterTlsValues } from './node-exporter-tls';
import type { HelmRelease, KubernetesObject } from './types';
import { CHARTS } from './versions';

/**
 * The cluster itself monitored: node-exporter on the EC2 node group (not on Fargate), kube-state-metrics, and the
 * kubelet and its cAdvisor. Each monitor sets `job` by relabeling (CLUSTER_JOBS): the operator would otherwise
 * name it after the Service (prometheus-operator pkg/prometheus/promcfg.go), e.g. `prometheus-operator-kubelet`.
 */

export const NODE_EXPORTER_RELEASE = 'node-exporter';
export const KUBE_STATE_METRICS_RELEASE = 'kube-state-metrics';

/**
 * The kubelet Service the operator keeps (`--kubelet-service`, kube-prometheus-stack
 * `prometheusOperator.kubeletService`): one endpoint per node, labels `k8s-app: kubelet` and
 * `app.kubernetes.io/name: kubelet`, ports `https-metrics` (10250), `http-metrics`, `cadvisor`
 * (prometheus-operator pkg/kubelet/controller.go).
 */
export const KUBELET_SERVICE = {
  namespace: 'kube-system',
  labels: { 'k8s-app': 'kubelet' },
  port: 'https-metrics',
} as const;

/** Fargate nodes are named `fargate-ip-…`: no DaemonSet runs there and their kubelet is not reachable. */
export const FARGATE_NODE_NAME = 'fargate-.*';
const NOT_ON_FARGATE = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        { matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['fargate'] }] },
      ],
    },
  },
} as const;

/** Only the cAdvisor and kubelet series the alerts and dashboards read (cAdvisor is the largest source of series). */
export const CADVISOR_METRICS = [
  'container_cpu_usage_seconds_total',
  'container_cpu_cfs_periods_total',
  'container_cpu_cfs_throttled_periods_total',
  'container_memory_working_set_bytes',
  'container_oom_events_total',
] as const;
export const KUBELET_METRICS = [
  'kubelet_volume_stats_used_bytes',
  'kubelet_volume_stats_capacity_bytes',
  'kubelet_volume_stats_available_bytes',
  'kubelet_running_pods',
] as const;

/**
 * node-exporter as a DaemonSet on every EC2 node (its chart tolerates every NoSchedule taint: keep it off Fargate),
 * serving HTTPS (node-exporter-tls.ts).
 */
export function nodeExporterRelease(): HelmRelease {
  return {
    release: NODE_EXPORTER_RELEASE,
    namespace: MONITORING_NAMESPACE,
    ...CHARTS.nodeExporter,
    values: {
      fullnameOverride: NODE_EXPORTER_RELEASE,
      affinity: NOT_ON_FARGATE,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
      service: { port: 9100, targetPort: 9100, portName: 'metrics' },
      // Our own ServiceMonitor (below) sets the job; the chart's would name it after the Service.
      prometheus: { monitor: { enabled: false } },
      rbac: { pspEnabled: false },
      ...nodeExporterTlsValues(),
    },
  };
}

/** kube-state-metrics, one replica (two would expose every object's series twice), serving HTTPS. */
export function kubeStateMetricsRelease(): HelmRelease {
  return {
    release: KUBE_STATE_METRICS_RELEASE,
    namespace: MONITORING_NAMESPACE,
    ...CHARTS.kubeStateMetrics,
    values: {
      fullnameOverride: KUBE_STATE_METRICS_RELEASE,
      replicas: 1,
      affinity: NOT_ON_FARGATE,
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '512Mi' } },
      prometheus: { monitor: { enabled: false } },
      selfMonitor: { enabled: false },
      ...kubeStateMetricsTlsValues(),
    },
  };
}

/** `job` set explicitly: the first relabeling of every cluster monitor. */
function jobRelabeling(job: string) {
  return { action: 'replace', targetLabel: 'job', replacement: job };
}

/** Drops targets on Fargate nodes (endpoints and endpointslice discovery name the node differently). */
const DROP_FARGATE = [
  { action: 'drop', sourceLabels: ['__meta_kubernetes_endpoint_address_target_name'], regex: FARGATE_NODE_NAME },
  { action: 'drop', sourceLabels: ['__meta_kubernetes_endpointslice_address_target_name'], regex: FARGATE_NODE_NAME },
];

const keepOnly = (metrics: readonly string[]) => [
  { action: 'keep', sourceLabels: ['__name__'], regex: `(${metrics.join('|')})` },
];

function serviceMonitor(name: string, spec: Record<string, unknown>): KubernetesObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: commonLabels('cluster-monitoring') },
    spec,
  };
}

/** The kubelet's credentials: the Prometheus service account token; EKS kubelets serve self-signed certificates. */
const KUBELET_AUTH = {
  scheme: 'https',
  bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', insecureSkipVerify: true },
} as const;

/** The ServiceMonitors of node-exporter, kube-state-metrics, the kubelet and cAdvisor, and kube-state-metrics' policy. */
export function clusterMonitorObjects(config: EnvironmentConfig): KubernetesObject[] {
  const interval = config.sizing.prometheus.scrapeInterval;
  const release = (name: string) => ({
    'app.kubernetes.io/name': name === NODE_EXPORTER_RELEASE ? 'prometheus-node-exporter' : name,
    'app.kubernetes.io/instance': name,
  });
  return [
    ...nodeExporterTlsObjects(),
    ...kubeStateMetricsTlsObjects(),
    serviceMonitor(CLUSTER_JOBS.nodeExporter, {
      selector: { matchLabels: release(NODE_EXPORTER_RELEASE) },
      namespaceSelector: { matchNames: [MONITORING_NAMESPACE] },
      endpoints: [
        {
          port: 'metrics',
          interval,
          ...NODE_EXPORTER_SCRAPE_TLS,
          relabelings: [
            jobRelabeling(CLUSTER_JOBS.nodeExporter),
            // instance = the node's name, not <ip>:9100 (the node is what people know).
            { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' },
          ],
        },
      ],
    }),
    serviceMonitor(CLUSTER_JOBS.kubeStateMetrics, {
      selector: { matchLabels: release(KUBE_STATE_METRICS_RELEASE) },
      namespaceSelector: { matchNames: [MONITORING_NAMESPACE] },
      // The object's own namespace/pod labels must win over the scrape target's.
      endpoints: [
        {
          port: 'http',
          interval,
          honorLabels: true,
          ...KUBE_STATE_METRICS_SCRAPE_TLS,
          relabelings: [jobRelabeling(CLUSTER_JOBS.kubeStateMetrics)],
        },
      ],
    }),
    serviceMonitor(CLUSTER_JOBS.kubelet, {
      selector: { matchLabels: { ...KUBELET_SERVICE.labels } },
      namespaceSelector: { matchNames: [KUBELET_SERVICE.namespace] },
      endpoints: [
        {
          port: KUBELET_SERVICE.port,
          path: '/metrics',
          interval,
          honorLabels: true,
          ...KUBELET_AUTH,
          relabelings: [jobRelabeling(CLUSTER_JOBS.kubelet), ...DROP_FARGATE],
          metricRelabelings: keepOnly(KUBELET_METRICS),
        },
        {
          port: KUBELET_SERVICE.port,
          path: '/metrics/cadvisor',
          interval,
          honorLabels: true,
          ...KUBELET_AUTH,
          relabelings: [jobRelabeling(CLUSTER_JOBS.cadvisor), ...DROP_FARGATE],
          metricRelabelings: keepOnly(CADVISOR_METRICS),
        },
      ],
    }),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name: KUBE_STATE_METRICS_RELEASE,
        namespace: MONITORING_NAMESPACE,
        labels: commonLabels('network-policy'),
      },
      spec: {
        podSelector: { matchLabels: release(KUBE_STATE_METRICS_RELEASE) },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [FROM_MONITORING],
            ports: [{ port: 8080, protocol: 'TCP' }],
          },
        ],
      },
    },
  ];
}

/** The cluster-monitoring Helm releases. */
export function clusterMonitoringReleases(): HelmRelease[] {
  return [nodeExporterRelease(), kubeStateMetricsRelease()];
}
