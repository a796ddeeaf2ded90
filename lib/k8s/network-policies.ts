import type { EnvironmentConfig } from '../config';
import { ALERTMANAGER_POD_SELECTOR } from './alertmanager';
import { PORTS, selectorLabels, THANOS_PART_OF } from './common';
import { GRAFANA } from './grafana';
import { METRICS_PORT_NAME } from './monitors';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import { PROMETHEUS_POD_SELECTOR } from './prometheus';
import { PUSHGATEWAY } from './pushgateway';
import { THANOS_QUERY, THANOS_QUERY_FRONTEND } from './thanos-query';
import { THANOS_RULER_POD_SELECTOR } from './thanos-ruler';
import { THANOS_STORE } from './thanos-store';
import type { KubernetesObject } from './types';

type Peer = Record<string, unknown>;
type PortSpec = { port: number | string; protocol: 'TCP' | 'UDP' };

const MONITORING_NS_SELECTOR = { 'kubernetes.io/metadata.name': MONITORING_NAMESPACE } as const;
/** Any pod of the monitoring namespace (Prometheus scrapes, Grafana, the compactor's pushes...). */
export const FROM_MONITORING: Peer = { namespaceSelector: { matchLabels: { ...MONITORING_NS_SELECTOR } } };
/** The seed's rule: Thanos components (part-of thanos) talk to each other on 10901. */
export const FROM_THANOS: Peer = { podSelector: { matchLabels: { ...THANOS_PART_OF } } };

const tcp = (...ports: number[]): PortSpec[] => ports.map((port) => ({ port, protocol: 'TCP' }));

function policy(name: string, podSelector: Record<string, string>, rules: { from: Peer[]; ports: PortSpec[] }[]) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels: commonLabels('network-policy') },
    spec: { podSelector: { matchLabels: podSelector }, policyTypes: ['Ingress'], ingress: rules },
  } satisfies KubernetesObject;
}

/**
 * Ingress policies of the monitoring namespace: each component accepts only what needs it. Internal NLBs use IP
 * targets without client IP preservation, so their traffic comes from the VPC's addresses (`ipBlock` VPC CIDR).
 * (VPC-CNI does not enforce policies on Fargate pods: the compactor is only ever a client.)
 */
export function networkPolicies(config: EnvironmentConfig): KubernetesObject[] {
  const fromVpc: Peer = { ipBlock: { cidr: config.vpcCidr } };
  return [
    policy('thanos-grpc', { ...THANOS_PART_OF }, [{ from: [FROM_THANOS], ports: tcp(PORTS.thanosGrpc) }]),
    policy('prometheus', { ...PROMETHEUS_POD_SELECTOR }, [
      { from: [FROM_MONITORING], ports: tcp(PORTS.prometheusHttp, PORTS.thanosHttp) },
      { from: [FROM_THANOS], ports: tcp(PORTS.thanosGrpc) },
    ]),
    policy('thanos-query', selectorLabels(THANOS_QUERY), [{ from: [FROM_MONITORING], ports: tcp(PORTS.queryHttp) }]),
    policy('thanos-query-frontend', selectorLabels(THANOS_QUERY_FRONTEND), [
      { from: [FROM_MONITORING, fromVpc], ports: tcp(PORTS.queryHttp) },
    ]),
    policy('thanos-store', selectorLabels(THANOS_STORE), [{ from: [FROM_MONITORING], ports: tcp(PORTS.thanosHttp) }]),
    policy('thanos-ruler', { ...THANOS_RULER_POD_SELECTOR }, [
      { from: [FROM_MONITORING], ports: tcp(PORTS.thanosHttp) },
    ]),
    policy('alertmanager', { ...ALERTMANAGER_POD_SELECTOR }, [
      { from: [FROM_MONITORING], ports: tcp(PORTS.alertmanagerHttp) },
      // Gossip between the replicas: TCP and UDP.
      {
        from: [{ podSelector: { matchLabels: { ...ALERTMANAGER_POD_SELECTOR } } }],
        ports: [
          { port: PORTS.alertmanagerCluster, protocol: 'TCP' },
          { port: PORTS.alertmanagerCluster, protocol: 'UDP' },
        ],
      },
    ]),
    policy('pushgateway', selectorLabels(PUSHGATEWAY), [
      { from: [FROM_MONITORING, fromVpc], ports: tcp(PORTS.pushgateway) },
    ]),
    policy('grafana', selectorLabels(GRAFANA), [{ from: [FROM_MONITORING, fromVpc], ports: tcp(PORTS.grafana) }]),
  ];
}

/**
 * The template for a scraped application namespace that runs default-deny: lets the monitoring namespace reach
 * the port named `metrics` of every pod (`port` overrides it, e.g. 9187 for postgres-exporter). NOT applied by
 * the platform: the application namespaces belong to their teams (and may not exist at deploy time); a policy
 * selecting all pods would also isolate pods that had no policy before.
 */
export function allowMonitoringScrapePolicy(namespace: string, port: number | string = METRICS_PORT_NAME) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-monitoring-scrape', namespace, labels: commonLabels('network-policy') },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [FROM_MONITORING], ports: [{ port, protocol: 'TCP' }] }],
    },
  } satisfies KubernetesObject;
}
