import { AGENT_HEARTBEAT_METRIC, EXPECTED_AGENTS } from '../rules/conventions';
import { API_SLOS, BUDGET_REMAINING_RECORD, LATENCY_THRESHOLD_SECONDS, sliRecord } from '../rules/greenlang-slo';
import { KONG_SERVICE_LABEL } from '../rules/kong';
import { DASHBOARD_JOBS as J } from './jobs';
import { type DashboardSpec, sel } from './model';

const API = `job="${J.greenlangApi}"`;
const AGENTS = `job="${J.greenlangAgents}"`;
const KONG = `job="${J.kong}"`;
const PG = `job="${J.postgres}"`;
const REDIS = `job="${J.redis}"`;

/** The GreenLang platform as its users meet it: API and SLOs, agents, Kong, PostgreSQL, Redis. */
export function greenlangServicesDashboard(): DashboardSpec {
  return {
    uid: 'greenlang-services',
    title: 'GreenLang / API, SLOs and services',
    description: `Is GreenLang serving its users: API traffic, errors, latency and SLO budget, the ${EXPECTED_AGENTS}+ agents, Kong, PostgreSQL and Redis?`,
    tags: ['greenlang', 'api', 'slo'],
    rows: [
      {
        title: 'API and SLOs',
        panels: [
          {
            title: 'API requests per second by code',
            description: 'GreenLang API traffic by HTTP status code.',
            unit: 'reqps',
            queries: [{ expr: `sum by (code) (rate(http_requests_total${sel(API)}[5m]))`, legend: '{{code}}' }],
          },
          {
            title: 'API latency (p50, p99)',
            description: `Request latency quantiles from the API's histogram; the latency SLO counts requests slower than ${LATENCY_THRESHOLD_SECONDS}s.`,
            unit: 's',
            thresholds: [{ value: LATENCY_THRESHOLD_SECONDS, color: 'orange' }],
            queries: [0.5, 0.99].map((q) => ({
              expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket${sel(API)}[5m])))`,
              legend: `p${q * 100}`,
            })),
          },
          {
            title: 'SLO error ratio (1h) vs objective',
            description: `Share of bad events over the last hour per SLO (${API_SLOS.map((s) => `${s.name}: objective ${s.objective}`).join(', ')}). The error budget is 1 - objective.`,
            unit: 'percentunit',
            queries: [{ expr: `max by (slo) (${sliRecord('1h')}${sel()})`, legend: '{{slo}}' }],
          },
          {
            title: 'Error budget remaining (30 days)',
            description:
              'Share of the 30-day error budget still left per SLO (recorded by the Thanos Ruler). Below 0 the SLO is missed.',
            unit: 'percentunit',
            thresholds: [{ value: 0, color: 'red' }],
            queries: [{ expr: `min by (slo) (${BUDGET_REMAINING_RECORD}${sel()})`, legend: '{{slo}}' }],
          },
        ],
      },
      {
        title: 'Agents',
        panels: [
          {
            kind: 'stat',
            title: 'Agents reporting',
            description: `Distinct agents that export a heartbeat; the seed expects ${EXPECTED_AGENTS} or more.`,
            unit: 'short',
            thresholds: [{ value: EXPECTED_AGENTS, color: 'green' }],
            queries: [{ expr: `count(max by (agent) (${AGENT_HEARTBEAT_METRIC}${sel(AGENTS)}))` }],
          },
          {
            kind: 'stat',
            title: 'Agents without a heartbeat for 5 minutes',
            description: 'Agents whose last heartbeat is older than 5 minutes (they beat every 60 s).',
            unit: 'short',
            thresholds: [{ value: 1, color: 'red' }],
            queries: [
              {
                expr: `count(time() - max by (agent) (${AGENT_HEARTBEAT_METRIC}${sel(AGENTS)}) > 300) or vector(0)`,
              },
            ],
          },
          {
            kind: 'stat',
            title: 'Oldest heartbeat',
            description: 'Age of the oldest agent heartbeat, in seconds.',
            unit: 's',
            queries: [{ expr: `max(time() - max by (agent) (${AGENT_HEARTBEAT_METRIC}${sel(AGENTS)}))` }],
          },
        ],
      },
      {
        title: 'Kong',
        panels: [
          {
            title: 'Kong requests per second by service and code',
            description: 'Traffic through the Kong gateway per upstream service and status code.',
            unit: 'reqps',
            queries: [
              {
                // Kong's own service, not `service` (the Kubernetes Service of every Kong pod): lib/rules/kong.ts.
                expr: `sum by (${KONG_SERVICE_LABEL}, code) (rate(kong_http_requests_total${sel(KONG)}[5m]))`,
                legend: `{{${KONG_SERVICE_LABEL}}} {{code}}`,
              },
            ],
          },
          {
            title: 'Kong request latency (p99)',
            description: 'Total request latency through Kong per service (kong_request_latency_ms histogram).',
            unit: 'ms',
            queries: [
              {
                expr: `histogram_quantile(0.99, sum by (${KONG_SERVICE_LABEL}, le) (rate(kong_request_latency_ms_bucket${sel(KONG)}[5m])))`,
                legend: `{{${KONG_SERVICE_LABEL}}}`,
              },
            ],
          },
        ],
      },
      {
        // postgres_exporter names, checked against upstream prometheus-community/postgres_exporter (stored texts,
        // commits named) and against Debian's 0.11.1 binary (test/integration/dashboard-queries.test.ts):
        // - pg_stat_activity_count: collector/pg_stat_activity.go@0247e407 lines 24, 27, 46-51 (subsystem
        //   "stat_activity", default on, BuildFQName(namespace, subsystem, "count"), labels datname, state, ...);
        //   in 0.11 the built-in "pg_stat_activity" map of cmd/postgres_exporter (column "count", labels datname, state).
        // - pg_settings_max_connections: collector/pg_setting.go@13b67d88 lines 27, 30, 92, 108-109, 116 (subsystem
        //   "settings", default on, the setting's name, a unit suffix only for settings with a unit: max_connections
        //   has none).
        // - pg_replication_lag_seconds: collector/pg_replication.go@0850b195 lines 23, 26, 37-41 (default on; 0 on a
        //   primary, lines 56-60); NOT in 0.11.1, the one name the integration test finds without data.
        // - pg_up: cmd/postgres_exporter/postgres_exporter.go, setupInternalMetrics, `e.psqlUp` (Namespace "pg",
        //   Name "up"); exposed by 0.11.1.
        // - pg_stat_database_deadlocks (rules/postgres.ts): collector/pg_stat_database.go@07444ebe lines 170-179.
        title: 'PostgreSQL',
        panels: [
          {
            title: 'Connections used',
            description: 'Client connections over max_connections per PostgreSQL instance; the alert fires above 80%.',
            unit: 'percentunit',
            thresholds: [{ value: 0.8, color: 'red' }],
            queries: [
              {
                expr: `sum by (instance) (pg_stat_activity_count${sel(PG)}) / max by (instance) (pg_settings_max_connections${sel(PG)})`,
                legend: '{{instance}}',
              },
            ],
          },
          {
            title: 'PostgreSQL up and replication lag',
            description:
              "Whether the exporter reaches PostgreSQL (1 = up), and replica lag in seconds (0 on a primary; exporters without the replication collector, such as Debian's 0.11.1, expose no lag).",
            unit: 's',
            queries: [
              { expr: `max by (instance) (pg_replication_lag_seconds${sel(PG)})`, legend: 'lag {{instance}}' },
              { expr: `min by (instance) (pg_up${sel(PG)})`, legend: 'up {{instance}}' },
            ],
          },
        ],
      },
      {
        title: 'Redis',
        panels: [
          {
            title: 'Redis memory used',
            description:
              'Memory used over maxmemory per Redis instance (only where maxmemory is set); evictions start at 100%.',
            unit: 'percentunit',
            thresholds: [{ value: 0.9, color: 'red' }],
            queries: [
              {
                expr: `max by (instance) (redis_memory_used_bytes${sel(REDIS)}) / max by (instance) (redis_memory_max_bytes${sel(REDIS)} > 0)`,
                legend: '{{instance}}',
              },
            ],
          },
          {
            title: 'Redis clients and evictions',
            description: 'Connected clients, and keys evicted per second, per instance.',
            unit: 'short',
            queries: [
              { expr: `max by (instance) (redis_connected_clients${sel(REDIS)})`, legend: 'clients {{instance}}' },
              {
                expr: `sum by (instance) (rate(redis_evicted_keys_total${sel(REDIS)}[5m]))`,
                legend: 'evicted/s {{instance}}',
              },
            ],
          },
        ],
      },
    ],
  };
}
