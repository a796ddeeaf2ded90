import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

const job = JOBS.kong;
const sel = `job="${job}"`;
const pod = { job, pod: 'kong-0' };
/** Kong's own `service` label is renamed: alerts carry `service: kong` for Alertmanager's grouping. */
const byKongService = (selector: string) =>
  `label_replace(rate(kong_http_requests_total{${selector}}[5m]), "kong_service", "$1", "service", "(.*)")`;

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
            expr:
              `sum by (job, kong_service) (${byKongService(`${sel}, code=~"5.."`)})` +
              ` / sum by (job, kong_service) (${byKongService(sel)}) > 0.05`,
            for: '5m',
            severity: 'warning',
            summary: 'Kong answers more than 5% 5xx for service {{ $labels.kong_service }}',
            description:
              'More than 5% of requests Kong routes to {{ $labels.kong_service }} end in 5xx (the upstream or Kong itself).',
            test: {
              firing: [
                series(
                  'kong_http_requests_total',
                  { ...pod, service: 'greenlang-api', route: 'v1', code: '200' },
                  '0+80x40',
                ),
                series(
                  'kong_http_requests_total',
                  { ...pod, service: 'greenlang-api', route: 'v1', code: '502' },
                  '0+20x40',
                ),
              ],
              healthy: [
                series(
                  'kong_http_requests_total',
                  { ...pod, service: 'greenlang-api', route: 'v1', code: '200' },
                  '0+80x40',
                ),
                series(
                  'kong_http_requests_total',
                  { ...pod, service: 'greenlang-api', route: 'v1', code: '502' },
                  '0x40',
                ),
              ],
              labels: { job, kong_service: 'greenlang-api' },
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
              labels: pod,
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
        ],
      },
    ],
  };
}
