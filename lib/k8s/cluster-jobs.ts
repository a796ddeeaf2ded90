/**
 * The `job` label of each cluster-monitoring target. Every monitor sets it by relabeling: without that the
 * operator names the job after the Service (ServiceMonitor) or `<namespace>/<name>` (PodMonitor), see
 * prometheus-operator pkg/prometheus/promcfg.go.
 */
export const CLUSTER_JOBS = {
  nodeExporter: 'node-exporter',
  kubeStateMetrics: 'kube-state-metrics',
  kubelet: 'kubelet',
  cadvisor: 'cadvisor',
} as const;
