import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

const job = JOBS.redis;
const sel = `job="${job}"`;
const node = { job, instance: 'greenlang-redis:6379' };
const exporter = { job, pod: 'redis-exporter-0' };

/** Redis through redis_exporter. */
export function redisRules(): RuleFileSpec {
  return {
    name: 'redis',
    evaluator: 'prometheus',
    runbook: 'redis',
    service: 'redis',
    groups: [
      {
        name: 'redis',
        rules: [
          {
            alert: 'RedisDown',
            expr: `max by (job, instance) (redis_up{${sel}}) == 0`,
            for: '1m',
            severity: 'critical',
            summary: 'Redis {{ $labels.instance }} is down',
            description:
              'redis_exporter cannot reach {{ $labels.instance }}: caches and queues built on it are unavailable.',
            test: {
              firing: [series('redis_up', node, '0x40')],
              healthy: [series('redis_up', node, '1x40')],
              labels: node,
            },
          },
          {
            alert: 'RedisMemoryHigh',
            expr: `max by (job, instance) (redis_memory_used_bytes{${sel}}) / max by (job, instance) (redis_memory_max_bytes{${sel}} > 0) > 0.9`,
            for: '5m',
            severity: 'warning',
            summary: 'Redis {{ $labels.instance }} uses more than 90% of maxmemory',
            description:
              'Redis {{ $labels.instance }} is close to maxmemory: it will evict keys or refuse writes, depending on its policy.',
            test: {
              firing: [
                series('redis_memory_used_bytes', node, '950x40'),
                series('redis_memory_max_bytes', node, '1000x40'),
              ],
              healthy: [
                series('redis_memory_used_bytes', node, '500x40'),
                series('redis_memory_max_bytes', node, '1000x40'),
              ],
              labels: node,
            },
          },
          {
            alert: 'RedisTooManyConnections',
            expr: `max by (job, instance) (redis_connected_clients{${sel}}) / max by (job, instance) (redis_config_maxclients{${sel}}) > 0.9`,
            for: '5m',
            severity: 'warning',
            summary: 'Redis {{ $labels.instance }} uses more than 90% of maxclients',
            description:
              'Client connections on {{ $labels.instance }} are close to maxclients: new clients will be rejected.',
            test: {
              firing: [
                series('redis_connected_clients', node, '9500x40'),
                series('redis_config_maxclients', node, '10000x40'),
              ],
              healthy: [
                series('redis_connected_clients', node, '100x40'),
                series('redis_config_maxclients', node, '10000x40'),
              ],
              labels: node,
            },
          },
          {
            alert: 'RedisRejectedConnections',
            expr: `sum by (job, instance) (increase(redis_rejected_connections_total{${sel}}[5m])) > 0`,
            for: '5m',
            severity: 'warning',
            summary: 'Redis {{ $labels.instance }} rejects connections',
            description:
              'Redis {{ $labels.instance }} rejected client connections in the last 5 minutes (maxclients reached).',
            test: {
              firing: [series('redis_rejected_connections_total', node, '0+1x40')],
              healthy: [series('redis_rejected_connections_total', node, '0x40')],
              labels: node,
            },
          },
          {
            alert: 'RedisEvictingKeys',
            expr: `sum by (job, instance) (rate(redis_evicted_keys_total{${sel}}[5m])) > 0`,
            for: '15m',
            severity: 'info',
            summary: 'Redis {{ $labels.instance }} evicts keys',
            description:
              'Redis {{ $labels.instance }} has been evicting keys for 15 minutes: cache hit rates drop. Consider more memory.',
            test: {
              firing: [series('redis_evicted_keys_total', node, '0+5x40')],
              healthy: [series('redis_evicted_keys_total', node, '0x40')],
              labels: node,
            },
          },
          {
            alert: 'RedisExporterDown',
            // The scrape itself fails (target down, port closed): without this, every alert built on the
            // exporter's series goes silent instead of firing.
            expr: `up{${sel}} == 0`,
            for: '5m',
            severity: 'critical',
            summary: 'redis_exporter {{ $labels.pod }} cannot be scraped',
            description:
              'Prometheus cannot scrape redis_exporter {{ $labels.pod }}: every Redis alert (RedisDown included) is blind until it is back.',
            test: {
              firing: [series('up', exporter, '0x40')],
              healthy: [series('up', exporter, '1x40')],
              labels: exporter,
            },
          },
        ],
      },
    ],
  };
}
