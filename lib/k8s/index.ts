import { alertmanagerConfig, renderAlertWebhookUrl } from '../alerting/alertmanager-config';
import type { EnvironmentConfig } from '../config';
import { prometheusRuleObjects } from '../rules';
import { alertmanagerObjects } from './alertmanager';
import { clusterMonitoringReleases, clusterMonitorObjects } from './cluster-monitoring';
import { type GrafanaDeployInputs, grafanaObjects } from './grafana';
import { monitorObjects } from './monitors';
import { monitoringNamespace } from './namespace';
import { networkPolicies } from './network-policies';
import { objstoreSecret } from './objstore';
import { PROMETHEUS_OPERATED_SERVICE, PROMETHEUS_WEB_TLS_SECRET, prometheusObjects } from './prometheus';
import { prometheusAdapterRelease } from './prometheus-adapter';
import { prometheusOperatorRelease } from './prometheus-operator';
import { type PushgatewayDeployInputs, pushgatewayObjects } from './pushgateway';
import { thanosCompactorObjects } from './thanos-compactor';
import { thanosHttpConfigMap } from './thanos-http-tls';
import { type ThanosQueryDeployInputs, thanosQueryObjects } from './thanos-query';
import { thanosRulerObjects } from './thanos-ruler';
import { thanosStoreObjects } from './thanos-store';
import { thanosTlsObjects } from './thanos-tls';
import type { HelmRelease, KubernetesObject } from './types';

/** What other parts of the app feed into the cluster objects. */
export interface KubernetesInputs {
  /**
   * The Alertmanager configuration (`lib/alerting/`). The platform stack passes the one with the deployed alert
   * fan-out URL; the default (render) uses the placeholder URL of `renderAlertWebhookUrl`.
   */
  readonly alertmanagerConfig?: object;
  /** Grafana's deploy-time values (the load balancer's ACM certificate ARN); render uses placeholders. */
  readonly grafana?: GrafanaDeployInputs;
  /** The Pushgateway NLBs' deploy-time values (their ACM certificate ARN); render uses a placeholder. */
  readonly pushgateway?: PushgatewayDeployInputs;
  /** The query-frontend NLB's deploy-time values (its ACM certificate ARN); render uses a placeholder. */
  readonly thanosQuery?: ThanosQueryDeployInputs;
}

/**
 * Every Kubernetes object the platform stack applies (with addManifest), in apply order: namespace, secret
 * plumbing (ESO store, cert-manager issuers and certificates, objstore config), then the workloads, monitors and
 * network policies. Needs the CRDs of prometheus-operator (the `prometheus-operator` Helm release), cert-manager
 * and External Secrets Operator installed first. Pure: the stack and `npm run render` both call it.
 */
export function kubernetesObjects(config: EnvironmentConfig, inputs: KubernetesInputs = {}): KubernetesObject[] {
  return [
    monitoringNamespace(),
    ...thanosTlsObjects(),
    thanosHttpConfigMap(),
    objstoreSecret(config),
    ...alertmanagerObjects(
      config,
      inputs.alertmanagerConfig ?? alertmanagerConfig(config, { alertWebhookUrl: renderAlertWebhookUrl(config.name) }),
    ),
    ...prometheusObjects(config),
    ...pushgatewayObjects(config, inputs.pushgateway),
    ...thanosStoreObjects(config),
    ...thanosQueryObjects(config, inputs.thanosQuery),
    ...thanosRulerObjects(config),
    ...thanosCompactorObjects(config),
    ...grafanaObjects(config, inputs.grafana),
    ...monitorObjects(config),
    // node-exporter, kube-state-metrics, kubelet and cAdvisor (lib/k8s/cluster-monitoring.ts).
    ...clusterMonitorObjects(config),
    ...networkPolicies(config),
    // Alerting and recording rules (lib/rules), selected by Prometheus and the Thanos Ruler by evaluator label.
    ...prometheusRuleObjects(config),
  ];
}

/** Every Helm release the platform stack installs (with addHelmChart). */
export function helmReleases(_config: EnvironmentConfig): HelmRelease[] {
  return [
    prometheusOperatorRelease(),
    prometheusAdapterRelease(PROMETHEUS_OPERATED_SERVICE, PROMETHEUS_WEB_TLS_SECRET),
    ...clusterMonitoringReleases(),
  ];
}

export type { HelmRelease, KubernetesObject } from './types';
