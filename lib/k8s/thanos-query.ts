import { stringify } from 'yaml';
import { QUERY_REPLICA_LABELS } from '../../lambdas/domain/replica-labels';
import type { EnvironmentConfig } from '../config';
import {
  INTERNAL_NLB_CLASS,
  internalLoadBalancerAnnotations,
  internalTlsListenerAnnotations,
} from '../platform/addons';
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
  renderCertificateArn,
  selectorLabels,
  serviceAccount,
  serviceHost,
  thanosLabels,
} from './common';
import { MONITORING_NAMESPACE } from './namespace';
import { PROMETHEUS_OPERATED_SERVICE } from './prometheus';
import { QUERY_QPS_METRIC } from './prometheus-adapter';
import {
  QUERY_FRONTEND_TLS_VOLUME_MOUNTS,
  QUERY_FRONTEND_TLS_VOLUMES,
  queryFrontendCertificate,
  queryFrontendHttpConfigMap,
} from './query-frontend-tls';
import {
  httpServerTlsArgs,
  THANOS_CA_FILE,
  THANOS_CA_VOLUME_MOUNT,
  THANOS_HTTP_CONFIG_VOLUME,
  THANOS_HTTP_CONFIG_VOLUME_MOUNT,
  thanosCaVolume,
  thanosHttpClientTlsConfig,
} from './thanos-http-tls';
import { THANOS_RULER_SERVICE } from './thanos-ruler';
import { THANOS_STORE_SERVICE } from './thanos-store';
import { grpcClientTlsArgs, grpcServerTlsArgs, THANOS_TLS_VOLUME_MOUNT, thanosTlsVolume } from './thanos-tls';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const THANOS_QUERY = 'thanos-query';
export const THANOS_QUERY_FRONTEND = 'thanos-query-frontend';
/** The internal NLB in front of the query-frontend, published as `thanosQueryHost(env)`:9090. */
export const THANOS_QUERY_NLB_SERVICE = 'thanos-query-internal';
/** The NLB Service's one port: a TLS listener on the NLB, re-encrypting to the frontend's HTTPS `http` port. */
export const THANOS_QUERY_NLB_PORT_NAME = 'https';

/** What only the deployed stack knows. */
export interface ThanosQueryDeployInputs {
  /**
   * ARN of the ACM certificate (AWS Private CA) of the NLB's name, `thanosQueryHost(env)`.
   * @default renderThanosQueryCertificateArn(config)
   */
  readonly certificateArn?: string;
}

/** The certificate ARN render writes for the query NLB's name (renderCertificateArn). */
export function renderThanosQueryCertificateArn(
  config: Pick<EnvironmentConfig, 'account' | 'region' | 'name'>,
): string {
  return renderCertificateArn(config, 'thanos-query');
}

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
    // HTTPS on 9090: its clients (query-frontend, Ruler, the scrape) all verify it (thanos-http-tls.ts).
    ...httpServerTlsArgs(),
  ];
}

/** Query's HTTP API as its clients dial it: HTTPS on the Service, verified as THANOS_HTTP_SERVER_NAME. */
export const THANOS_QUERY_URL = `https://${serviceHost(THANOS_QUERY)}:${PORTS.queryHttp}`;

/**
 * `--query-frontend.downstream-tripper-config`: TLS to Query, verified with the CA (thanos-io/thanos#6760, in
 * v0.33.0: `DownstreamTripperConfig.TLSConfig` `tls_config`, pkg/queryfrontend/config.go, an exthttp `TLSConfig`
 * applied to the downstream transport in cmd/thanos/query_frontend.go `parseTransportConfiguration`). Idle
 * connections per host raised from Go's default of 2 (the flag's help recommends at least 100 for a single
 * downstream host; here one Service name), so keep-alive spares a TLS handshake per request.
 */
export function frontendDownstreamTripperConfig() {
  return { max_idle_conns_per_host: 100, tls_config: thanosHttpClientTlsConfig(THANOS_CA_FILE) };
}

export function thanosQueryFrontendArgs(): string[] {
  const responseCache = { type: 'IN-MEMORY', config: { max_size: '256MB', validity: '10m' } };
  return [
    'query-frontend',
    '--log.format=json',
    `--http-address=0.0.0.0:${PORTS.queryHttp}`,
    `--query-frontend.downstream-url=${THANOS_QUERY_URL}`,
    `--query-frontend.downstream-tripper-config=${JSON.stringify(frontendDownstreamTripperConfig())}`,
    '--query-range.split-interval=24h',
    '--query-range.max-retries-per-request=3',
    '--query-frontend.compress-responses',
    '--query-frontend.log-queries-longer-than=10s',
    `--query-range.response-cache-config=${JSON.stringify(responseCache)}`,
    // HTTPS on 9090 with its own certificate (query-frontend-tls.ts); Grafana and the scrape verify it.
    ...httpServerTlsArgs(),
  ];
}

/**
 * The frontend's internal NLB (the capacity report's way in) with an HTTPS target: `backend-protocol: ssl` makes
 * the target group TLS, so the NLB re-encrypts to the pod, but only for a port that has a TLS listener (an
 * `ssl-cert` naming a certificate, and the port in `ssl-ports`: internalTlsListenerAnnotations, spread BEFORE these
 * so that `ssl` replaces its `tcp`): aws-load-balancer-controller pkg/service/model_build_listener.go
 * `buildListenerSpec` sets `tgProtocol = TLS` only inside the TLS-listener branch; docs/guide/service/annotations.md
 * "backend-protocol": "NLB uses TLS connections for the traffic to your kubernetes pods in case of TLS listeners".
 * The NLB never verifies a target's certificate (ELB user guide, "Target groups for your Network Load
 * Balancers", routing configuration: "The load balancer does not validate these certificates"). Health checks
 * (default TCP) ask `/-/ready` over HTTPS instead, so a frontend that is up but not ready gets no traffic; HTTPS
 * health checks are allowed on TCP and TLS target groups (`healthcheck-protocol`: tcp, http or https).
 */
export const QUERY_FRONTEND_NLB_TARGET_ANNOTATIONS = {
  'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'ssl',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'HTTPS',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port': 'traffic-port',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/-/ready',
} as const;

function deployment(props: {
  name: string;
  component: string;
  replicas: number;
  args: string[];
  resources: Record<string, unknown>;
  ports: { name: string; containerPort: number }[];
  /** Scheme of the `http` port (probes). */
  scheme: 'HTTP' | 'HTTPS';
  volumes: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
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
              ...httpProbes('http', props.scheme),
              volumeMounts: props.volumeMounts,
            },
          ],
          volumes: props.volumes,
        },
      },
    },
  };
}

/**
 * Thanos Query x2 (dedup, partial response, DNS discovery), the query-frontend, HPAs, PDBs and the internal NLB:
 * TLS end to end from the VPC — the NLB's listener terminates TLS on 9090 with the ACM certificate of
 * `thanosQueryHost(env)` (issued by the AWS Private CA the capacity report trusts) and re-encrypts to the frontend.
 */
export function thanosQueryObjects(
  config: EnvironmentConfig,
  deploy: ThanosQueryDeployInputs = {},
): KubernetesObject[] {
  const { components, scaleTriggers } = config.sizing;
  const certificateArn = deploy.certificateArn ?? renderThanosQueryCertificateArn(config);
  const query = components.thanosQuery;
  const frontend = components.thanosQueryFrontend;
  const queryLabels = thanosLabels(THANOS_QUERY, 'query');
  const frontendLabels = thanosLabels(THANOS_QUERY_FRONTEND, 'query-frontend');
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
      scheme: 'HTTPS',
      volumes: [thanosTlsVolume('query'), THANOS_HTTP_CONFIG_VOLUME],
      volumeMounts: [{ ...THANOS_TLS_VOLUME_MOUNT }, { ...THANOS_HTTP_CONFIG_VOLUME_MOUNT }],
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
    // Before the frontend that mounts them (its pods wait for the secret otherwise).
    queryFrontendCertificate(),
    queryFrontendHttpConfigMap(),
    deployment({
      name: THANOS_QUERY_FRONTEND,
      component: 'query-frontend',
      replicas: frontend.replicas,
      args: thanosQueryFrontendArgs(),
      resources: containerResources(frontend.resources),
      ports: [{ name: 'http', containerPort: PORTS.queryHttp }],
      // HTTPS with its own certificate (query-frontend-tls.ts); only the CA of Query's secret to verify Query.
      scheme: 'HTTPS',
      volumes: [thanosCaVolume('query'), ...QUERY_FRONTEND_TLS_VOLUMES],
      volumeMounts: [{ ...THANOS_CA_VOLUME_MOUNT }, ...QUERY_FRONTEND_TLS_VOLUME_MOUNTS],
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
        annotations: {
          ...internalLoadBalancerAnnotations(config, 'thanos-query'),
          ...internalTlsListenerAnnotations(certificateArn, [THANOS_QUERY_NLB_PORT_NAME]),
          // After the listener's: its `backend-protocol: tcp` gives way to `ssl` (re-encrypt to the HTTPS pod).
          ...QUERY_FRONTEND_NLB_TARGET_ANNOTATIONS,
        },
      },
      spec: {
        type: 'LoadBalancer',
        loadBalancerClass: INTERNAL_NLB_CLASS,
        selector: selectorLabels(THANOS_QUERY_FRONTEND),
        ports: [{ name: THANOS_QUERY_NLB_PORT_NAME, port: PORTS.queryHttp, targetPort: 'http', protocol: 'TCP' }],
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
