import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

/**
 * The label Kong's own `service` (the Kong service a request was routed to; Kong/kong
 * kong/plugins/prometheus/exporter.lua, 3.x) is stored under. On a ServiceMonitor target `service` is the Kubernetes
 * Service (e.g. `kong-proxy`) and Kong's arrives as `exported_service`: the Kong monitor's metric relabeling moves
 * it here (lib/k8s/monitors.ts, KONG_METRIC_RELABELINGS, says why). Grouping by `service` would put every Kong
 * service in one group. `service` on the alerts is the routing label (`service: kong`).
 */
export const KONG_SERVICE_LABEL = 'kong_service';

/**
 * The Prometheus plugin settings without which Kong exports none of the series KongHighErrorRate, KongHighLatency
 * and KongUpstreamTargetUnhealthy read: all `default = false` in Kong 3.x (Kong/kong
 * kong/plugins/prometheus/schema.lua@008c3bb5 lines 20, 22, 24; handler.lua only records status codes and latencies
 * when they are on). `bandwidth_metrics` is not needed: nothing reads `kong_bandwidth_bytes`.
 */
export const KONG_PLUGIN_SETTINGS = ['status_code_metrics', 'latency_metrics', 'upstream_health_metrics'] as const;

const job = JOBS.kong;
const sel = `job="${job}"`;
/** A Kong pod as the Kong ServiceMonitor's target labels it (`service` = the Kubernetes Service). */
const pod = { job, pod: 'kong-0', service: 'kong-proxy' };
const requests = (kongService: string, code: string) => ({
  ...pod,
  [KONG_SERVICE_LABEL]: kongService,
  route: 'v1',
  code,
});
const errorRatio =
  `sum by (job, ${KONG_SERVICE_LABEL}) (rate(kong_http_requests_total{${sel}, code=~"5.."}[5m]))` +
  ` / sum by (job, ${KONG_SERVICE_LABEL}) (rate(kong_http_requests_total{${sel}}[5m]))`;

/** Kong API gateway (Kong's Prometheus plugin, 3.x metric names). */
export function kongRules(): RuleFileSpec {
  return {
    name: 'kong',
    evaluator: 'prometheus',
    runbook: 'kong',
    service: 'kong',
    groups: [
      {
        name: 'kong',
        rules: [
          {
            alert: 'KongHighErrorRate',
            // Per Kong service: one failing service must alert even when the others carry far more traffic.
            expr: `${errorRatio} > 0.05`,
            for: '5m',
            severity: 'warning',
            summary: `Kong answers more than 5% 5xx for service {{ $labels.${KONG_SERVICE_LABEL} }}`,
            description: `More than 5% of requests Kong routes to {{ $labels.${KONG_SERVICE_LABEL} }} end in 5xx (the upstream or Kong itself).`,
            test: {
              // greenlang-reports fails every request; greenlang-api, healthy, carries 50 times its traffic.
              firing: [
                series('kong_http_requests_total', requests('greenlang-api', '200'), '0+100x40'),
                series('kong_http_requests_total', requests('greenlang-reports', '502'), '0+2x40'),
              ],
              healthy: [
                series('kong_http_requests_total', requests('greenlang-api', '200'), '0+100x40'),
                series('kong_http_requests_total', requests('greenlang-reports', '200'), '0+2x40'),
                series('kong_http_requests_total', requests('greenlang-reports', '502'), '0x40'),
              ],
              labels: { job, [KONG_SERVICE_LABEL]: 'greenlang-reports' },
            },
          },
          {
            alert: 'KongHighLatency',
            expr: `histogram_quantile(0.99, sum by (job, le) (rate(kong_request_latency_ms_bucket{${sel}}[5m]))) > 2000`,
            for: '10m',
            severity: 'warning',
            summary: 'Kong p99 request latency is above 2s',
            description: 'The 99th percentile of request latency through Kong is above 2 seconds.',
            test: {
              firing: [
                series('kong_request_latency_ms_bucket', { ...pod, le: '500' }, '0x40'),
                series('kong_request_latency_ms_bucket', { ...pod, le: '5000' }, '0+10x40'),
                series('kong_request_latency_ms_bucket', { ...pod, le: '+Inf' }, '0+10x40'),
              ],
              healthy: [
                series('kong_request_latency_ms_bucket', { ...pod, le: '500' }, '0+10x40'),
                series('kong_request_latency_ms_bucket', { ...pod, le: '5000' }, '0+10x40'),
                series('kong_request_latency_ms_bucket', { ...pod, le: '+Inf' }, '0+10x40'),
              ],
              labels: { job },
            },
          },
          {
            alert: 'KongDatastoreUnreachable',
            expr: `max by (job, pod) (kong_datastore_reachable{${sel}}) == 0`,
            for: '2m',
            severity: 'critical',
            summary: 'Kong {{ $labels.pod }} cannot reach its datastore',
            description:
              'Kong {{ $labels.pod }} lost its database: it serves from cache, but configuration changes fail and a restart would leave it without routes.',
            test: {
              firing: [series('kong_datastore_reachable', pod, '0x40')],
              healthy: [series('kong_datastore_reachable', pod, '1x40')],
              labels: { job, pod: pod.pod },
            },
          },
          {
            alert: 'KongUpstreamTargetUnhealthy',
            expr: `max by (job, upstream, target) (kong_upstream_target_health{${sel}, state=~"unhealthy|dns_error"}) == 1`,
            for: '5m',
            severity: 'warning',
            summary: 'Kong marks {{ $labels.target }} of {{ $labels.upstream }} unhealthy',
            description:
              'Kong health checks mark target {{ $labels.target }} of upstream {{ $labels.upstream }} unhealthy; traffic goes to the remaining targets only.',
            test: {
              firing: [
                series(
                  'kong_upstream_target_health',
                  { ...pod, upstream: 'greenlang-api', target: '10.0.1.10:8080', state: 'unhealthy' },
                  '1x40',
                ),
              ],
              healthy: [
                series(
                  'kong_upstream_target_health',
                  { ...pod, upstream: 'greenlang-api', target: '10.0.1.10:8080', state: 'unhealthy' },
                  '0x40',
                ),
                series(
                  'kong_upstream_target_health',
                  { ...pod, upstream: 'greenlang-api', target: '10.0.1.10:8080', state: 'healthy' },
                  '1x40',
                ),
              ],
              labels: { job, upstream: 'greenlang-api', target: '10.0.1.10:8080' },
            },
          },
          {
            alert: 'KongRequestMetricsMissing',
            // Kong answers scrapes but has neither request counts nor latencies: the plugin runs with its defaults
            // (or has proxied nothing), and KongHighErrorRate and KongHighLatency cannot fire.
            expr:
              `max by (job) (up{${sel}}) == 1` +
              ` unless on (job) (count by (job) (kong_http_requests_total{${sel}})` +
              ` and on (job) count by (job) (kong_request_latency_ms_bucket{${sel}}))`,
            for: '15m',
            severity: 'warning',
            summary: 'Kong is scraped but exports no request counts or latencies',
            description: `Kong's Prometheus plugin exports no kong_http_requests_total or kong_request_latency_ms: KongHighErrorRate and KongHighLatency cannot fire. Enable ${KONG_PLUGIN_SETTINGS.join(', ')} in the plugin's config (all off by default in Kong 3.x), or Kong has proxied no request since it started.`,
            test: {
              // What Kong exports with the plugin's defaults: its node figures, nothing per request.
              firing: [series('up', pod, '1x40'), series('kong_datastore_reachable', pod, '1x40')],
              healthy: [
                series('up', pod, '1x40'),
                series('kong_datastore_reachable', pod, '1x40'),
                series('kong_http_requests_total', requests('greenlang-api', '200'), '0+100x40'),
                series(
                  'kong_request_latency_ms_bucket',
                  { ...pod, [KONG_SERVICE_LABEL]: 'greenlang-api', route: 'v1', le: '+Inf' },
                  '0+100x40',
                ),
              ],
              labels: { job },
            },
          },
        ],
      },
    ],
  };
}
