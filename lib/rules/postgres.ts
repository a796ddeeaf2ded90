import { series } from './builders';
import { JOBS } from './conventions';
import type { RuleFileSpec } from './types';

const job = JOBS.postgres;
const sel = `job="${job}"`;
const db = { job, instance: 'greenlang-db:5432' };
const exporter = { job, pod: 'postgres-exporter-0' };

/** PostgreSQL through postgres_exporter. */
export function postgresRules(): RuleFileSpec {
  return {
    name: 'postgres',
    evaluator: 'prometheus',
    runbook: 'postgres',
    service: 'postgres',
    groups: [
      {
        name: 'postgres',
        rules: [
          {
            alert: 'PostgresDown',
            expr: `max by (job, instance) (pg_up{${sel}}) == 0`,
            for: '1m',
            severity: 'critical',
            summary: 'PostgreSQL {{ $labels.instance }} is down',
            description:
              'postgres_exporter cannot connect to {{ $labels.instance }}: the GreenLang API and agents lose their database.',
            test: {
              firing: [series('pg_up', db, '0x40')],
              healthy: [series('pg_up', db, '1x40')],
              labels: db,
            },
          },
          {
            alert: 'PostgresTooManyConnections',
            expr: `sum by (job, instance) (pg_stat_activity_count{${sel}}) / max by (job, instance) (pg_settings_max_connections{${sel}}) > 0.8`,
            for: '5m',
            severity: 'warning',
            summary: 'PostgreSQL {{ $labels.instance }} uses more than 80% of max_connections',
            description:
              'Connections on {{ $labels.instance }} are close to max_connections: new connections will be refused soon.',
            test: {
              firing: [
                series('pg_stat_activity_count', { ...db, datname: 'greenlang', state: 'active' }, '90x40'),
                series('pg_settings_max_connections', db, '100x40'),
              ],
              healthy: [
                series('pg_stat_activity_count', { ...db, datname: 'greenlang', state: 'active' }, '20x40'),
                series('pg_settings_max_connections', db, '100x40'),
              ],
              labels: db,
            },
          },
          {
            alert: 'PostgresDeadlocks',
            expr: `sum by (job, instance, datname) (increase(pg_stat_database_deadlocks{${sel}}[10m])) > 5`,
            for: '5m',
            severity: 'warning',
            summary: 'PostgreSQL database {{ $labels.datname }} on {{ $labels.instance }} has frequent deadlocks',
            description:
              'More than 5 deadlocks in 10 minutes in {{ $labels.datname }}: transactions are being aborted.',
            test: {
              firing: [series('pg_stat_database_deadlocks', { ...db, datname: 'greenlang' }, '0+1x40')],
              healthy: [series('pg_stat_database_deadlocks', { ...db, datname: 'greenlang' }, '3x40')],
              labels: { ...db, datname: 'greenlang' },
            },
          },
          {
            alert: 'PostgresReplicationLagHigh',
            expr: `max by (job, instance) (pg_replication_lag_seconds{${sel}}) > 30`,
            for: '5m',
            severity: 'warning',
            summary: 'PostgreSQL replica {{ $labels.instance }} lags more than 30s',
            description:
              'The replica {{ $labels.instance }} is more than 30 seconds behind the primary: reads from it are stale and a failover would lose data.',
            test: {
              firing: [series('pg_replication_lag_seconds', db, '120x40')],
              healthy: [series('pg_replication_lag_seconds', db, '1x40')],
              labels: db,
            },
          },
          {
            alert: 'PostgresExporterDown',
            // The scrape itself fails (target down, port closed): without this, every alert built on the
            // exporter's series goes silent instead of firing.
            expr: `up{${sel}} == 0`,
            for: '5m',
            severity: 'critical',
            summary: 'postgres_exporter {{ $labels.pod }} cannot be scraped',
            description:
              'Prometheus cannot scrape postgres_exporter {{ $labels.pod }}: every PostgreSQL alert (PostgresDown included) is blind until it is back.',
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
