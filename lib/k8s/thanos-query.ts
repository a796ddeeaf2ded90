import { stringify } from 'yaml';
import type { EnvironmentConfig } from '../config';
import { INTERNAL_NLB_CLASS, internalLoadBalancerAnnotations } from '../platform/addons';
import {
  CONTAINER_SECURITY_CONTEXT,
  containerResources,
  dnsSrvGrpc,
  httpProbes,
  NLB_SERVICE_LABEL,
  PORTS,
  podDisruptionBudget,
  podSecurityContext,
  preferredAntiAffinity,
  selectorLabels,
  serviceAccount,
  serviceHost,
  thanosLabels,
} from './common';
import { MONITORING_NAMESPACE } from './namespace';
import { PROMETHEUS_OPERATED_SERVICE } from './prometheus';
import { QUERY_QPS_METRIC } from './prometheus-adapter';
import { QUERY_REPLICA_LABELS } from './replica-labels';
import { THANOS_RULER_SERVICE } from './thanos-ruler';
import { THANOS_STORE_SERVICE } from './thanos-store';
import { grpcClientTlsArgs, grpcServerTlsArgs, THANOS_TLS_VOLUME_MOUNT, thanosTlsVolume } from './thanos-tls';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const THANOS_QUERY = 'thanos-query';
export const THANOS_QUERY_FRONTEND = 'thanos-query-frontend';
/** The internal NLB in front of the query-frontend, published as `thanos-query.<internal zone>:9090`. */
export const THANOS_QUERY_NLB_SERVICE = 'thanos-query-internal';

/** The StoreAPIs Query fans out to, discovered by DNS SRV on each service's `grpc` port (not `--store`). */
export function queryEndpoints(): string[] {
  return [PROMETHEUS_OPERATED_SERVICE, THANOS_STORE_SERVICE, THANOS_RULER_SERVICE].map(dnsSrvGrpc);
}

/**
 * `--endpoint.sd-config` content: `--endpoint` is deprecated in Thanos 0.39. The config's shape is
 * thanos-io/thanos cmd/thanos/endpointset.go `EndpointConfig` (`endpoints: [{address, ...}]`); the flag is a
 * path-or-content flag (`extflag.RegisterPathOrContent(cmd, "endpoint.sd-config", ...)` in cmd/thanos/query.go).
 * DNS-SD addresses (`dnssrv+`) dial with the global `--grpc-client-tls-*` options.
 */
export function queryEndpointConfig(): { endpoints: { address: string }[] } {
  return { endpoints: queryEndpoints().map((address) => ({ address })) };
}

export function thanosQueryArgs(): string[] {
  return [
    'query',
    '--log.format=json',
    `--http-address=0.0.0.0:${PORTS.queryHttp}`,
    `--grpc-address=0.0.0.0:${PORTS.thanosGrpc}`,
    `--endpoint.sd-config=${stringify(queryEndpointConfig())}`,
    ...QUERY_REPLICA_LABELS.map((l) => `--query.replica-label=${l}`),
    '--query.partial-response',
    '--query.auto-downsampling',
    ...grpcServerTlsArgs(),
    ...grpcClientTlsArgs(),
  ];
}

function deployment(props: {
  name: string;
  component: string;
  replicas: number;
  args: string[];
  resources: Record<string, unknown>;
  ports: { name: string; containerPort: number }[];
  tls: boolean;
}): KubernetesObject {
  const labels = thanosLabels(props.name, props.component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: props.name, namespace: MONITORING_NAMESPACE, labels },
    spec: {
      replicas: props.replicas,
      selector: { matchLabels: selectorLabels(props.name) },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: props.name,
          securityContext: podSecurityContext(65534),
          affinity: preferredAntiAffinity(selectorLabels(props.name)),
          containers: [
            {
              name: props.component,
              image: IMAGES.thanos,
              args: props.args,
              ports: props.ports.map((p) => ({ ...p, protocol: 'TCP' })),
              resources: props.resources,
              securityContext: CONTAINER_SECURITY_CONTEXT,
              ...httpProbes('http'),
              ...(props.tls ? { volumeMounts: [{ ...THANOS_TLS_VOLUME_MOUNT }] } : {}),
            },
          ],
          ...(props.tls ? { volumes: [thanosTlsVolume('query')] } : {}),
        },
      },
    },
  };
}

/** Thanos Query x2 (dedup, partial response, DNS discovery), the query-frontend, HPAs, PDBs and the internal NLB. */
export function thanosQueryObjects(config: EnvironmentConfig): KubernetesObject[] {
  const { components, scaleTriggers } = config.sizing;
  const query = components.thanosQuery;
  const frontend = components.thanosQueryFrontend;
  const queryLabels = thanosLabels(THANOS_QUERY, 'query');
  const frontendLabels = thanosLabels(THANOS_QUERY_FRONTEND, 'query-frontend');
  const responseCache = { type: 'IN-MEMORY', config: { max_size: '256MB', validity: '10m' } };
  const frontendArgs = [
    'query-frontend',
    '--log.format=json',
    `--http-address=0.0.0.0:${PORTS.queryHttp}`,
    `--query-frontend.downstream-url=http://${serviceHost(THANOS_QUERY)}:${PORTS.queryHttp}`,
    '--query-range.split-interval=24h',
    '--query-range.max-retries-per-request=3',
    '--query-frontend.compress-responses',
    '--query-frontend.log-queries-longer-than=10s',
    `--query-range.response-cache-config=${JSON.stringify(responseCache)}`,
  ];
  return [
    serviceAccount(THANOS_QUERY, queryLabels),
    serviceAccount(THANOS_QUERY_FRONTEND, frontendLabels),
    deployment({
      name: THANOS_QUERY,
      component: 'query',
      replicas: query.replicas,
      args: thanosQueryArgs(),
      resources: containerResources(query.resources),
      ports: [
        { name: 'http', containerPort: PORTS.queryHttp },
        { name: 'grpc', containerPort: PORTS.thanosGrpc },
      ],
      tls: true,
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: THANOS_QUERY, namespace: MONITORING_NAMESPACE, labels: queryLabels },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(THANOS_QUERY),
        ports: [
          { name: 'http', port: PORTS.queryHttp, targetPort: 'http', protocol: 'TCP' },
          { name: 'grpc', port: PORTS.thanosGrpc, targetPort: 'grpc', protocol: 'TCP' },
        ],
      },
    },
    cpuAutoscaler(THANOS_QUERY, queryLabels, query.replicas, query.maxReplicas, [
      {
        // The seed's trigger (> 100 QPS across the base replicas), served by the prometheus-adapter release.
        type: 'Pods',
        pods: {
          metric: { name: QUERY_QPS_METRIC },
          target: {
            type: 'AverageValue',
            averageValue: String(Math.ceil(scaleTriggers.thanosQueryQps / query.replicas)),
          },
        },
      },
    ]),
    podDisruptionBudget(THANOS_QUERY, queryLabels, selectorLabels(THANOS_QUERY)),
    deployment({
      name: THANOS_QUERY_FRONTEND,
      component: 'query-frontend',
      replicas: frontend.replicas,
      args: frontendArgs,
      resources: containerResources(frontend.resources),
      ports: [{ name: 'http', containerPort: PORTS.queryHttp }],
      tls: false,
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: THANOS_QUERY_FRONTEND, namespace: MONITORING_NAMESPACE, labels: frontendLabels },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(THANOS_QUERY_FRONTEND),
        ports: [{ name: 'http', port: PORTS.queryHttp, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: THANOS_QUERY_NLB_SERVICE,
        namespace: MONITORING_NAMESPACE,
        labels: { ...frontendLabels, [NLB_SERVICE_LABEL.key]: NLB_SERVICE_LABEL.value },
        annotations: internalLoadBalancerAnnotations(config, 'thanos-query'),
      },
      spec: {
        type: 'LoadBalancer',
        loadBalancerClass: INTERNAL_NLB_CLASS,
        selector: selectorLabels(THANOS_QUERY_FRONTEND),
        ports: [{ name: 'http', port: PORTS.queryHttp, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    cpuAutoscaler(THANOS_QUERY_FRONTEND, frontendLabels, frontend.replicas, frontend.maxReplicas),
    podDisruptionBudget(THANOS_QUERY_FRONTEND, frontendLabels, selectorLabels(THANOS_QUERY_FRONTEND)),
  ];
}

/** An HPA of Deployment `name` on 70% CPU, plus `metrics`. */
function cpuAutoscaler(
  name: string,
  labels: Record<string, string>,
  minReplicas: number,
  maxReplicas: number,
  metrics: Record<string, unknown>[] = [],
): KubernetesObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: MONITORING_NAMESPACE, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas,
      maxReplicas,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        ...metrics,
      ],
    },
  };
}
