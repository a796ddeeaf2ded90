import { MONITORING_NAMESPACE } from './namespace';
import type { HelmRelease } from './types';
import { CHARTS, CRD_UPGRADE_IMAGES } from './versions';

/**
 * prometheus-operator through the kube-prometheus-stack chart: the operator and its CRDs only (the CRDs are too
 * large for client-side apply, so they come from the chart). Prometheus, Alertmanager and ThanosRuler are our own
 * custom resources; Grafana, kube-state-metrics, node-exporter and the default rules are switched off.
 */
export const PROMETHEUS_OPERATOR_RELEASE = 'prometheus-operator';

export function prometheusOperatorRelease(): HelmRelease {
  return {
    release: PROMETHEUS_OPERATOR_RELEASE,
    namespace: MONITORING_NAMESPACE,
    ...CHARTS.kubePrometheusStack,
    values: {
      fullnameOverride: 'prometheus-operator',
      crds: {
        enabled: true,
        // Helm installs a chart's crds/ once and never upgrades them; the chart's pre-install/pre-upgrade Job
        // applies them server-side on every release (prometheus-community/helm-charts
        // charts/kube-prometheus-stack/charts/crds/templates/upgrade/job.yaml). Images pinned, none from Docker Hub.
        upgradeJob: {
          enabled: true,
          image: {
            busybox: { ...CRD_UPGRADE_IMAGES.busybox },
            kubectl: { ...CRD_UPGRADE_IMAGES.kubectl },
          },
        },
      },
      defaultRules: { create: false },
      prometheus: { enabled: false },
      alertmanager: { enabled: false },
      thanosRuler: { enabled: false },
      grafana: { enabled: false },
      kubeStateMetrics: { enabled: false },
      nodeExporter: { enabled: false },
      kubeApiServer: { enabled: false },
      kubelet: { enabled: false },
      kubeControllerManager: { enabled: false },
      coreDns: { enabled: false },
      kubeDns: { enabled: false },
      kubeEtcd: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeProxy: { enabled: false },
      prometheusOperator: {
        enabled: true,
        // Watch every namespace: ServiceMonitors/PodMonitors/PrometheusRules live with the applications.
        namespaces: {},
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        serviceMonitor: { selfMonitor: true },
        // The operator keeps a kube-system/prometheus-operator-kubelet Service with one endpoint per node; the
        // kubelet and cAdvisor ServiceMonitor (lib/k8s/cluster-monitoring.ts) scrapes it.
        kubeletService: { enabled: true, namespace: 'kube-system' },
      },
    },
  };
}
