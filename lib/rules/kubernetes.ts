import { COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import { CLUSTER_JOBS } from '../k8s/cluster-jobs';
import { MONITORING_NAMESPACE } from '../k8s/namespace';
import { series } from './builders';
import type { RuleFileSpec } from './types';

const ksm = `job="${CLUSTER_JOBS.kubeStateMetrics}"`;
const ns = `namespace="${MONITORING_NAMESPACE}"`;

/**
 * Pods whose Ready condition is false, by namespace and pod, finished pods left out: kube-state-metrics reports a
 * Succeeded or Failed pod as not ready for as long as it exists (a CronJob keeps its last Job's pod: the compactor's),
 * which is no fault. `matchers`: the series selectors (inside the braces), e.g. the job and namespace. Shared by
 * `KubePodNotReady` and the Kubernetes dashboard's panel.
 */
export function podsNotReady(matchers: string): string {
  return (
    `(max by (namespace, pod) (kube_pod_status_ready{${matchers}, condition="false"}) == 1)` +
    ` unless on (namespace, pod) (max by (namespace, pod) (kube_pod_status_phase{${matchers}, phase=~"Succeeded|Failed"}) == 1)`
  );
}
const kubelet = `job="${CLUSTER_JOBS.kubelet}", ${ns}`;
const cadvisor = `job="${CLUSTER_JOBS.cadvisor}", ${ns}, container!="", container!="POD"`;

/** The share of a volume left below which the PVC alerts fire. */
export const PVC_FREE_WARNING = 0.15;
export const PVC_FREE_CRITICAL = 0.05;
/** The share of CFS periods throttled above which a container's CPU limit is too tight. */
export const CPU_THROTTLED_RATIO = 0.25;

const container = { namespace: MONITORING_NAMESPACE, pod: 'thanos-store-0', container: 'thanos-store' };
const ksmContainer = { job: CLUSTER_JOBS.kubeStateMetrics, ...container };
const pvc = { namespace: MONITORING_NAMESPACE, persistentvolumeclaim: 'prometheus-db-prometheus-0' };
const kubeletPvc = { job: CLUSTER_JOBS.kubelet, instance: 'ip-10-30-1-10.eu-west-1.compute.internal', ...pvc };
const volume = (available: string, capacity: string) => [
  series('kubelet_volume_stats_available_bytes', kubeletPvc, available),
  series('kubelet_volume_stats_capacity_bytes', kubeletPvc, capacity),
];
/** A compactor run's Job (CronJob `thanos-compactor`, one Job per schedule). */
const compactorJob = {
  job: CLUSTER_JOBS.kubeStateMetrics,
  namespace: MONITORING_NAMESPACE,
  job_name: `${COMPACTOR_PUSH_JOB}-29412345`,
};

/**
 * The cluster under the monitoring stack: its pods (namespace `monitoring`) crash-looping, OOM-killed, not ready,
 * CPU-throttled, out of volume space; failed Jobs (the compactor's runs included); nodes not ready. Data from
 * kube-state-metrics, the kubelet and cAdvisor (lib/k8s/cluster-monitoring.ts).
 */
export function kubernetesRules(): RuleFileSpec {
  return {
    name: 'kubernetes',
    evaluator: 'prometheus',
    runbook: 'kubernetes',
    service: 'kubernetes',
    groups: [
      {
        name: 'kubernetes-pods',
        rules: [
          {
            alert: 'KubePodCrashLooping',
            expr: `max by (namespace, pod, container) (max_over_time(kube_pod_container_status_waiting_reason{${ksm}, ${ns}, reason="CrashLoopBackOff"}[5m])) >= 1`,
            for: '15m',
            severity: 'warning',
            summary: 'Container {{ $labels.container }} of {{ $labels.pod }} is crash-looping',
            description:
              '{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) has been in CrashLoopBackOff for 15 minutes: that component of the monitoring stack is down or flapping.',
            test: {
              firing: [
                series(
                  'kube_pod_container_status_waiting_reason',
                  { ...ksmContainer, reason: 'CrashLoopBackOff' },
                  '1x40',
                ),
              ],
              healthy: [
                series(
                  'kube_pod_container_status_waiting_reason',
                  { ...ksmContainer, reason: 'CrashLoopBackOff' },
                  '0x40',
                ),
              ],
              labels: container,
            },
          },
          {
            alert: 'KubeContainerOOMKilled',
            expr:
              `(sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ksm}, ${ns}}[10m])) > 0)` +
              ` and on (namespace, pod, container) (max by (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{${ksm}, ${ns}, reason="OOMKilled"}) == 1)`,
            severity: 'warning',
            summary: 'Container {{ $labels.container }} of {{ $labels.pod }} was OOM-killed',
            description:
              '{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) restarted in the last 10 minutes after being killed for exceeding its memory limit.',
            test: {
              firing: [
                series('kube_pod_container_status_restarts_total', ksmContainer, '0x25 1x15'),
                series(
                  'kube_pod_container_status_last_terminated_reason',
                  { ...ksmContainer, reason: 'OOMKilled' },
                  '1x40',
                ),
              ],
              // An old OOM kill (the reason stays) without a recent restart.
              healthy: [
                series('kube_pod_container_status_restarts_total', ksmContainer, '1x40'),
                series(
                  'kube_pod_container_status_last_terminated_reason',
                  { ...ksmContainer, reason: 'OOMKilled' },
                  '1x40',
                ),
              ],
              labels: container,
            },
          },
          {
            alert: 'KubePodNotReady',
            expr: podsNotReady(`${ksm}, ${ns}`),
            for: '15m',
            severity: 'warning',
            summary: 'Pod {{ $labels.pod }} has not been ready for 15 minutes',
            description:
              '{{ $labels.namespace }}/{{ $labels.pod }} is running but not ready: it receives no traffic, and an HA pair runs on one leg.',
            test: {
              firing: [
                series(
                  'kube_pod_status_ready',
                  {
                    job: CLUSTER_JOBS.kubeStateMetrics,
                    namespace: MONITORING_NAMESPACE,
                    pod: 'grafana-7d9f',
                    condition: 'false',
                  },
                  '1x40',
                ),
                series(
                  'kube_pod_status_phase',
                  {
                    job: CLUSTER_JOBS.kubeStateMetrics,
                    namespace: MONITORING_NAMESPACE,
                    pod: 'grafana-7d9f',
                    phase: 'Running',
                  },
                  '1x40',
                ),
              ],
              // A finished compactor pod is not ready either, and must not page.
              healthy: [
                series(
                  'kube_pod_status_ready',
                  {
                    job: CLUSTER_JOBS.kubeStateMetrics,
                    namespace: MONITORING_NAMESPACE,
                    pod: 'thanos-compactor-29412345-x2x',
                    condition: 'false',
                  },
                  '1x40',
                ),
                series(
                  'kube_pod_status_phase',
                  {
                    job: CLUSTER_JOBS.kubeStateMetrics,
                    namespace: MONITORING_NAMESPACE,
                    pod: 'thanos-compactor-29412345-x2x',
                    phase: 'Succeeded',
                  },
                  '1x40',
                ),
              ],
              labels: { namespace: MONITORING_NAMESPACE, pod: 'grafana-7d9f' },
            },
          },
          {
            alert: 'KubeContainerCPUThrottled',
            expr:
              `sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{${cadvisor}}[5m]))` +
              ` / sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{${cadvisor}}[5m])) > ${CPU_THROTTLED_RATIO}`,
            for: '15m',
            severity: 'warning',
            summary: 'Container {{ $labels.container }} of {{ $labels.pod }} is CPU-throttled',
            description: `{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) was throttled in more than ${CPU_THROTTLED_RATIO * 100}% of its CPU periods for 15 minutes: its CPU limit is too tight, queries and scrapes slow down.`,
            test: {
              firing: [
                series(
                  'container_cpu_cfs_throttled_periods_total',
                  { job: CLUSTER_JOBS.cadvisor, ...container },
                  '0+30x40',
                ),
                series('container_cpu_cfs_periods_total', { job: CLUSTER_JOBS.cadvisor, ...container }, '0+100x40'),
              ],
              healthy: [
                series(
                  'container_cpu_cfs_throttled_periods_total',
                  { job: CLUSTER_JOBS.cadvisor, ...container },
                  '0+5x40',
                ),
                series('container_cpu_cfs_periods_total', { job: CLUSTER_JOBS.cadvisor, ...container }, '0+100x40'),
              ],
              labels: container,
            },
          },
        ],
      },
      {
        name: 'kubernetes-storage',
        rules: [
          {
            alert: 'KubePersistentVolumeFillingUp',
            expr: `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes{${kubelet}}) / max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{${kubelet}}) < ${PVC_FREE_WARNING}`,
            for: '5m',
            severity: 'warning',
            summary: 'Volume {{ $labels.persistentvolumeclaim }} has less than 15% free',
            description:
              'PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is nearly full: Prometheus, Alertmanager or the Pushgateway stop writing when it is.',
            test: { firing: volume('10x40', '100x40'), healthy: volume('50x40', '100x40'), labels: pvc },
          },
          {
            alert: 'KubePersistentVolumeFull',
            expr: `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_available_bytes{${kubelet}}) / max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{${kubelet}}) < ${PVC_FREE_CRITICAL}`,
            for: '1m',
            severity: 'critical',
            summary: 'Volume {{ $labels.persistentvolumeclaim }} has less than 5% free',
            description:
              'PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is about to fill up: writes (samples, WAL, silences, pushed groups) will fail.',
            test: { firing: volume('3x40', '100x40'), healthy: volume('10x40', '100x40'), labels: pvc },
          },
        ],
      },
      {
        name: 'kubernetes-jobs-and-nodes',
        rules: [
          {
            alert: 'KubeJobFailed',
            expr: `max by (namespace, job_name) (kube_job_failed{${ksm}, ${ns}, condition="true"}) > 0`,
            severity: 'warning',
            summary: 'Job {{ $labels.job_name }} failed',
            description:
              'Job {{ $labels.namespace }}/{{ $labels.job_name }} failed. A thanos-compactor-* Job is a compactor run: see also its pushed run result (ThanosCompactor* alerts).',
            test: {
              firing: [series('kube_job_failed', { ...compactorJob, condition: 'true' }, '1x40')],
              healthy: [series('kube_job_failed', { ...compactorJob, condition: 'true' }, '0x40')],
              labels: { namespace: MONITORING_NAMESPACE, job_name: compactorJob.job_name },
            },
          },
          {
            alert: 'KubeNodeNotReady',
            expr: `max by (node) (kube_node_status_condition{${ksm}, condition="Ready", status="true"}) == 0`,
            for: '15m',
            severity: 'warning',
            summary: 'Node {{ $labels.node }} has not been ready for 15 minutes',
            description:
              'Node {{ $labels.node }} is not ready: its pods (a Prometheus, store or Alertmanager replica) are not running and its EBS volumes are stuck to it.',
            test: {
              firing: [
                series(
                  'kube_node_status_condition',
                  {
                    job: CLUSTER_JOBS.kubeStateMetrics,
                    node: 'ip-10-30-1-10.eu-west-1.compute.internal',
                    condition: 'Ready',
                    status: 'true',
                  },
                  '0x40',
                ),
              ],
              healthy: [
                series(
                  'kube_node_status_condition',
                  {
                    job: CLUSTER_JOBS.kubeStateMetrics,
                    node: 'ip-10-30-1-10.eu-west-1.compute.internal',
                    condition: 'Ready',
                    status: 'true',
                  },
                  '1x40',
                ),
              ],
              labels: { node: 'ip-10-30-1-10.eu-west-1.compute.internal' },
            },
          },
        ],
      },
    ],
  };
}
