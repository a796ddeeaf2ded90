import { MONITORING_NAMESPACE } from '../k8s/namespace';
import { podsNotReady } from '../rules/kubernetes';
import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, ON_CLUSTER, sel } from './model';

const NODE = `job="${J.nodeExporter}"`;
const KSM = `job="${J.kubeStateMetrics}"`;
const NS = `namespace="${MONITORING_NAMESPACE}"`;
const CADVISOR = `job="${J.cadvisor}", ${NS}, container!="", container!="POD"`;

/** The EC2 nodes (node-exporter, kube-state-metrics) and the monitoring namespace's pods (cAdvisor, kubelet). */
export function kubernetesDashboard(): DashboardSpec {
  return {
    uid: 'greenlang-kubernetes',
    title: 'GreenLang / Kubernetes nodes and monitoring pods',
    description: `Do the nodes and the ${MONITORING_NAMESPACE} namespace's pods have what they need: node CPU, memory and disk, pod restarts, readiness, CPU throttling, memory and volumes?`,
    tags: ['greenlang', 'kubernetes'],
    rows: [
      {
        title: 'Nodes (EC2 node group)',
        panels: [
          {
            title: 'Node CPU busy',
            description: 'Share of CPU time not idle, per node (node-exporter; Fargate nodes run no node-exporter).',
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [
              {
                expr: `1 - avg by (instance) (rate(node_cpu_seconds_total${sel(`${NODE}, mode="idle"`)}[5m]))`,
                legend: '{{instance}}',
              },
            ],
          },
          {
            title: 'Node memory used',
            description: 'Share of memory not available (MemAvailable / MemTotal), per node.',
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [
              {
                expr: `1 - max by (instance) (node_memory_MemAvailable_bytes${sel(NODE)}) / max by (instance) (node_memory_MemTotal_bytes${sel(NODE)})`,
                legend: '{{instance}}',
              },
            ],
          },
          {
            title: 'Node root filesystem used',
            description: 'Share of the root filesystem in use, per node.',
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [
              {
                expr: `1 - max by (instance) (node_filesystem_avail_bytes${sel(`${NODE}, mountpoint="/", fstype!="rootfs"`)}) / max by (instance) (node_filesystem_size_bytes${sel(`${NODE}, mountpoint="/", fstype!="rootfs"`)})`,
                legend: '{{instance}}',
              },
            ],
          },
          {
            title: 'Nodes not ready',
            description: 'Nodes whose Ready condition is not true (kube-state-metrics), all nodes incl. Fargate.',
            unit: 'short',
            queries: [
              {
                expr: `count(kube_node_status_condition${sel(`${KSM}, condition="Ready", status="true"`)} == 0) or vector(0)`,
                legend: 'not ready',
              },
            ],
          },
        ],
      },
      {
        title: `Pods in ${MONITORING_NAMESPACE}`,
        panels: [
          {
            title: 'Container restarts (1h)',
            description: 'Restarts per pod in the last hour; steady restarts mean crash-looping.',
            unit: 'short',
            queries: [
              {
                expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total${sel(`${KSM}, ${NS}`)}[1h])) > 0`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'Pods not ready',
            description:
              'Pods whose Ready condition is false (not serving); finished pods (a CronJob keeps its last) left out.',
            unit: 'short',
            queries: [
              {
                expr: `sum by (pod) (${podsNotReady(`${KSM}, ${NS}, ${ON_CLUSTER}`)})`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'CPU used per pod',
            description: 'CPU cores used per pod (cAdvisor).',
            unit: 'short',
            queries: [
              { expr: `sum by (pod) (rate(container_cpu_usage_seconds_total${sel(CADVISOR)}[5m]))`, legend: '{{pod}}' },
            ],
          },
          {
            title: 'CPU throttled',
            description:
              'Share of CFS periods in which a container was throttled, per pod; above 25% the CPU limit is too tight.',
            unit: 'percentunit',
            thresholds: [{ value: 0.25, color: 'orange' }],
            queries: [
              {
                expr: `sum by (pod) (rate(container_cpu_cfs_throttled_periods_total${sel(CADVISOR)}[5m])) / sum by (pod) (rate(container_cpu_cfs_periods_total${sel(CADVISOR)}[5m]))`,
                legend: '{{pod}}',
              },
            ],
          },
          {
            title: 'Memory working set per pod',
            description: 'Working-set memory per pod (what the OOM killer compares with the limit).',
            unit: 'bytes',
            queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes${sel(CADVISOR)})`, legend: '{{pod}}' }],
          },
          {
            title: 'Persistent volumes used',
            description: 'Share of each PersistentVolumeClaim in use (kubelet volume stats).',
            unit: 'percentunit',
            thresholds: [{ value: 0.85, color: 'orange' }],
            min: 0,
            max: 1,
            queries: [
              {
                expr: `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes${sel(`job="${J.kubelet}", ${NS}`)}) / max by (persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes${sel(`job="${J.kubelet}", ${NS}`)})`,
                legend: '{{persistentvolumeclaim}}',
              },
            ],
          },
          {
            title: 'Failed Jobs',
            description: "Jobs with failed pods in the namespace, incl. the compactor CronJob's runs.",
            unit: 'short',
            width: 24,
            queries: [
              { expr: `sum by (job_name) (kube_job_status_failed${sel(`${KSM}, ${NS}`)}) > 0`, legend: '{{job_name}}' },
            ],
          },
        ],
      },
    ],
  };
}
