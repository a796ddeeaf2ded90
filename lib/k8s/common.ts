import type { ComponentResources } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { SERVICE_ACCOUNTS, type ThanosIdentity } from '../naming';
import { irsaRoleArn } from '../platform/addons';
import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/**
 * The certificate ARN render writes where the deployed stack puts an ACM certificate's ARN (a deploy-time token):
 * one placeholder per load-balanced endpoint (`grafana`, `pushgateway`, `thanos-query`) and environment.
 */
export function renderCertificateArn(
  config: Pick<EnvironmentConfig, 'account' | 'region' | 'name'>,
  endpoint: string,
): string {
  return `arn:aws:acm:${config.region}:${config.account}:certificate/render-placeholder-${endpoint}-${config.name}`;
}

/** The gp3 StorageClass the platform stack installs with the EBS CSI driver. */
export const STORAGE_CLASS = 'gp3';

/** Well-known ports (FACTS.md, the seed's "Service Ports"). */
export const PORTS = {
  prometheusHttp: 9090,
  thanosGrpc: 10901,
  thanosHttp: 10902,
  queryHttp: 9090,
  alertmanagerHttp: 9093,
  alertmanagerCluster: 9094,
  pushgateway: 9091,
  grafana: 3000,
} as const;

/** Label value the seed's network policy uses to let Thanos components talk gRPC to each other. */
export const THANOS_PART_OF = { 'app.kubernetes.io/part-of': 'thanos' } as const;

/** In-cluster DNS name of a service in the monitoring namespace. */
export function serviceHost(service: string): string {
  return `${service}.${MONITORING_NAMESPACE}.svc.cluster.local`;
}

/** The labels a component's pods are selected by (stable: Deployment/StatefulSet selectors are immutable). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
}

/** Labels of a Thanos component's objects and pods: part-of `thanos`, as the seed's network policy expects. */
export function thanosLabels(name: string, component: string): Record<string, string> {
  return { ...commonLabels(component), ...selectorLabels(name), ...THANOS_PART_OF };
}

export function componentLabels(name: string, component: string): Record<string, string> {
  return { ...commonLabels(component), ...selectorLabels(name) };
}

/** Resources of a component from the sizing table, as a container `resources` block. */
export function containerResources(resources: ComponentResources): Record<string, unknown> {
  return {
    requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
    limits: { cpu: resources.limits.cpu, memory: resources.limits.memory },
  };
}

/** REQUIRED anti-affinity on the node: two replicas never share a node (the seed's HA rule). */
export function requiredAntiAffinity(matchLabels: Record<string, string>): Record<string, unknown> {
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels }, topologyKey: 'kubernetes.io/hostname' },
      ],
    },
  };
}

/** A PodDisruptionBudget keeping all but one replica up during voluntary disruptions. */
export function podDisruptionBudget(
  name: string,
  labels: Record<string, string>,
  matchLabels: Record<string, string>,
): KubernetesObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels } },
  };
}

export function serviceAccount(
  name: string,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels, ...(annotations ? { annotations } : {}) },
  };
}

/**
 * A service account annotated for IRSA with the component's role: the platform stack names each role after its
 * service account (`irsaRoleName(env, SERVICE_ACCOUNTS[identity])`), so the ARN is known before deploy.
 */
export function irsaServiceAccount(
  config: Pick<EnvironmentConfig, 'name' | 'account' | 'region'>,
  identity: ThanosIdentity,
  name: string,
  labels: Record<string, string>,
): KubernetesObject {
  return serviceAccount(name, labels, {
    'eks.amazonaws.com/role-arn': irsaRoleArn(config, SERVICE_ACCOUNTS[identity]),
  });
}

/** A PVC template on gp3. */
export function volumeClaimTemplate(name: string, storage: string): Record<string, unknown> {
  return {
    metadata: { name },
    spec: { storageClassName: STORAGE_CLASS, accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
  };
}

/** Security context for pods that run as a non-root user and write to a volume owned by `fsGroup`. */
export function podSecurityContext(uid: number, gid = uid): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** User and group of the pods prometheus-operator runs (Prometheus, Alertmanager, Thanos Ruler), as its docs set. */
export const OPERATOR_POD_USER = 1000;
export const OPERATOR_POD_GROUP = 2000;

export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
} as const;

/** Preferred (soft) anti-affinity: spread stateless replicas, but let the HPA go beyond the node count. */
export function preferredAntiAffinity(matchLabels: Record<string, string>): Record<string, unknown> {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { labelSelector: { matchLabels }, topologyKey: 'kubernetes.io/hostname' } },
      ],
    },
  };
}

/**
 * Readiness and liveness on the Prometheus-style `/-/ready` and `/-/healthy` endpoints of a named port. `HTTPS` for a
 * port serving TLS: the kubelet does not verify the certificate of an HTTPS probe (Kubernetes docs, "Configure
 * Liveness, Readiness and Startup Probes": "the kubelet [...] skip[s] the certificate verification").
 */
export function httpProbes(port: string, scheme: 'HTTP' | 'HTTPS' = 'HTTP'): Record<string, unknown> {
  const httpGet = (path: string) => ({ path, port, ...(scheme === 'HTTPS' ? { scheme } : {}) });
  return {
    readinessProbe: { httpGet: httpGet('/-/ready'), periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: httpGet('/-/healthy'), periodSeconds: 30, failureThreshold: 4 },
  };
}

/** DNS SRV endpoint of a headless/ClusterIP service's named gRPC port, as Thanos Query discovers StoreAPIs. */
export function dnsSrvGrpc(service: string): string {
  return `dnssrv+_grpc._tcp.${serviceHost(service)}`;
}

/** Label of the internal NLB services; ServiceMonitors exclude them so nothing is scraped twice. */
export const NLB_SERVICE_LABEL = { key: 'greenlang.io/exposure', value: 'internal-nlb' } as const;
export const NOT_AN_NLB_SERVICE = { key: NLB_SERVICE_LABEL.key, operator: 'DoesNotExist' } as const;
