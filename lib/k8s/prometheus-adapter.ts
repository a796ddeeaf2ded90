import { JOBS } from '../rules/conventions';
import { PORTS, serviceHost } from './common';
import { MONITORING_NAMESPACE } from './namespace';
import type { HelmRelease } from './types';
import { CHARTS } from './versions';

export const PROMETHEUS_ADAPTER_RELEASE = 'prometheus-adapter';

/** Where the adapter reads the CA of Prometheus' web certificate (only `ca.crt` of the secret is projected). */
export const PROMETHEUS_ADAPTER_CA_DIR = '/etc/prometheus-ca';

/**
 * The adapter's Prometheus client over HTTPS: `--prometheus-ca-file` (kubernetes-sigs/prometheus-adapter
 * cmd/adapter/adapter.go) verifies the host of `--prometheus-url`, which the chart builds from
 * `prometheus.url` + `:port` + `path` (prometheus-community/helm-charts charts/prometheus-adapter/templates/
 * deployment.yaml); the adapter has no server-name setting, so Prometheus' certificate names that host.
 */
export function prometheusAdapterTlsValues(caSecret: string): Record<string, unknown> {
  return {
    extraArguments: [`--prometheus-ca-file=${PROMETHEUS_ADAPTER_CA_DIR}/ca.crt`],
    extraVolumes: [
      { name: 'prometheus-ca', secret: { secretName: caSecret, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    ],
    extraVolumeMounts: [{ name: 'prometheus-ca', mountPath: PROMETHEUS_ADAPTER_CA_DIR, readOnly: true }],
  };
}

/** The per-pod custom metric the Thanos Query HPA reads: queries per second served by that pod. */
export const QUERY_QPS_METRIC = 'thanos_query_requests_per_second';

/**
 * Thanos v0.39 exports no `thanos_bucket_store_series_request_duration_seconds`: the store gateway's historical
 * query latency is the gRPC server handling time of the Store API `Series` call
 * (`grpc_server_handling_seconds{grpc_service="thanos.Store",grpc_method="Series"}`, go-grpc-middleware's server
 * metrics that Thanos registers with the handling-time histogram, pkg/server/grpc/grpc.go).
 */
export const STORE_SERIES_MATCHERS = 'grpc_service="thanos.Store",grpc_method="Series"';

/**
 * prometheus-adapter serving the custom metric from Prometheus, per pod, on the job the monitors set
 * (lib/k8s/monitors.ts): Query's instant and range query rate (the store gateway has no autoscaler: more replicas
 * of one shard repeat a query's work, lib/k8s/thanos-store.ts). It
 * reads Prometheus directly, not Thanos Query, so the autoscalers do not depend on Query; over HTTPS, verifying
 * Prometheus' web certificate with the CA from `prometheusCaSecret`.
 */
export function prometheusAdapterRelease(prometheusService: string, prometheusCaSecret: string): HelmRelease {
  return {
    release: PROMETHEUS_ADAPTER_RELEASE,
    namespace: MONITORING_NAMESPACE,
    ...CHARTS.prometheusAdapter,
    values: {
      replicas: 2,
      prometheus: { url: `https://${serviceHost(prometheusService)}`, port: PORTS.prometheusHttp, path: '' },
      ...prometheusAdapterTlsValues(prometheusCaSecret),
      rules: {
        default: false,
        resource: {},
        custom: [
          {
            seriesQuery: `http_requests_total{job="${JOBS.thanosQuery}",namespace!="",pod!=""}`,
            resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
            name: { matches: '^http_requests_total$', as: QUERY_QPS_METRIC },
            metricsQuery: `sum(rate(<<.Series>>{<<.LabelMatchers>>,handler=~"query|query_range"}[2m])) by (<<.GroupBy>>)`,
          },
        ],
      },
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    },
  };
}
