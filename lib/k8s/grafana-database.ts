import type { EnvironmentConfig } from '../config';
import { secretName } from '../naming';
import { componentLabels, STORAGE_CLASS } from './common';
import { externalSecret } from './external-secrets';
import { MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/**
 * Grafana's database (`grafana.database` in the environment config):
 * - `postgres` (staging, prod): Amazon RDS for PostgreSQL shared by every replica. The RDS-generated secret
 *   `greenlang-<env>/grafana-database` (username, password, host, port) is synced by External Secrets into the
 *   Kubernetes secret {@link GRAFANA_DATABASE_SECRET}, mounted as files that grafana.ini reads with `$__file{}`.
 * - `sqlite` (dev): Grafana's default file database on a PersistentVolumeClaim, one replica.
 */
export const GRAFANA_DATABASE_SECRET = 'grafana-database';
export const GRAFANA_DATABASE_DIR = `/etc/grafana/secrets/${GRAFANA_DATABASE_SECRET}`;
/** The database RDS creates for Grafana (`databaseName`), also in grafana.ini. */
export const GRAFANA_DATABASE_NAME = 'grafana';
/** The PVC of the sqlite file (dev). */
export const GRAFANA_DATA_PVC = 'grafana-data';

type IniSection = Record<string, string | number | boolean>;

/** grafana.ini `[database]`. */
export function grafanaDatabaseIni(config: Pick<EnvironmentConfig, 'grafana'>): IniSection {
  if (config.grafana.database.engine === 'sqlite') {
    return { type: 'sqlite3', path: 'grafana.db', wal: true };
  }
  const file = (key: string) => `$__file{${GRAFANA_DATABASE_DIR}/${key}}`;
  return {
    type: 'postgres',
    // `host:port`, composed by the ExternalSecret's template from the RDS secret's host and port.
    host: file('host'),
    name: GRAFANA_DATABASE_NAME,
    user: file('user'),
    password: file('password'),
    // RDS for PostgreSQL 15+ forces TLS (rds.force_ssl = 1); `require` encrypts without a CA bundle in the image.
    ssl_mode: 'require',
    max_open_conn: 20,
  };
}

/** The Kubernetes objects of the database choice: the ExternalSecret (postgres) or the PVC (sqlite). */
export function grafanaDatabaseObjects(config: EnvironmentConfig): KubernetesObject[] {
  const { database } = config.grafana;
  if (database.engine === 'sqlite') {
    return [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: GRAFANA_DATA_PVC,
          namespace: MONITORING_NAMESPACE,
          labels: componentLabels('grafana', 'grafana'),
        },
        spec: {
          storageClassName: STORAGE_CLASS,
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: database.storage } },
        },
      },
    ];
  }
  return [
    externalSecret({
      name: GRAFANA_DATABASE_SECRET,
      component: 'grafana',
      extractKey: secretName(config.name, 'grafana-database'),
      // Go templates over the extracted JSON properties of the RDS secret.
      template: { host: '{{ .host }}:{{ .port }}', user: '{{ .username }}', password: '{{ .password }}' },
    }),
  ];
}

/** The pod volume holding Grafana's data: the PVC (sqlite) or an emptyDir (postgres keeps nothing on disk). */
export function grafanaDataVolume(config: Pick<EnvironmentConfig, 'grafana'>): Record<string, unknown> {
  return config.grafana.database.engine === 'sqlite'
    ? { name: 'data', persistentVolumeClaim: { claimName: GRAFANA_DATA_PVC } }
    : { name: 'data', emptyDir: {} };
}
