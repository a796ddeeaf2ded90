import { stringify } from 'yaml';
import { PUSH_METRICS_NAMESPACE } from '../../lambdas/domain/push-metric-names';
import type { EnvironmentConfig } from '../config';
import { CLOUDWATCH_DATASOURCE, THANOS_DATASOURCE } from '../dashboards/model';
import { secretName } from '../naming';
import { irsaRoleArn } from '../platform/addons';
import {
  CONTAINER_SECURITY_CONTEXT,
  componentLabels,
  containerResources,
  PORTS,
  podDisruptionBudget,
  podSecurityContext,
  preferredAntiAffinity,
  selectorLabels,
  serviceAccount,
  serviceHost,
} from './common';
import { externalSecret } from './external-secrets';
import {
  GRAFANA_DASHBOARDS_DIR,
  grafanaDashboardConfigMaps,
  grafanaDashboardProvider,
  grafanaDashboardsVolume,
} from './grafana-dashboards';
import {
  GRAFANA_DATABASE_DIR,
  GRAFANA_DATABASE_SECRET,
  grafanaDatabaseIni,
  grafanaDatabaseObjects,
  grafanaDataVolume,
} from './grafana-database';
import { grafanaLoadBalancerService, grafanaRootUrl, renderGrafanaCertificateArn } from './grafana-endpoint';
import { GRAFANA_TLS_VOLUME, GRAFANA_TLS_VOLUME_MOUNT, grafanaCertificate, grafanaServerTlsIni } from './grafana-tls';
import { MONITORING_NAMESPACE } from './namespace';
import { QUERY_FRONTEND_TLS_SECRET } from './query-frontend-tls';
import { THANOS_QUERY_FRONTEND } from './thanos-query';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const GRAFANA = 'grafana';
export const GRAFANA_OAUTH_SECRET = 'grafana-oauth';
const OAUTH_DIR = `/etc/grafana/secrets/${GRAFANA_OAUTH_SECRET}`;
/**
 * Properties of the `greenlang-<env>/grafana-oauth` Secrets Manager secret (a JSON object); ESO turns each into a
 * file that grafana.ini reads with `$__file{}`.
 */
export const GRAFANA_OAUTH_KEYS = ['client_id', 'client_secret', 'auth_url', 'token_url', 'api_url'] as const;

type IniSection = Record<string, string | number | boolean>;

/** Renders an INI file (Grafana's format): `[section]` then `key = value`. */
export function renderIni(sections: Record<string, IniSection>): string {
  return Object.entries(sections)
    .map(([name, entries]) => [`[${name}]`, ...Object.entries(entries).map(([k, v]) => `${k} = ${v}`)].join('\n'))
    .join('\n\n')
    .concat('\n');
}

const file = (key: (typeof GRAFANA_OAUTH_KEYS)[number]) => `$__file{${OAUTH_DIR}/${key}}`;

/**
 * grafana.ini: single sign-on through the identity provider with generic OAuth2 (client and endpoints from the
 * ExternalSecret), local login off; `root_url` is the load balancer's name (`grafana.hostname`) so the OAuth
 * redirect comes back there; `[database]` from `grafana.database`. SAML is a Grafana Enterprise feature:
 * `saml: true` adds its section, reading `idp_metadata_url`, `certificate` and `private_key` from the same secret.
 */
export function grafanaIni(
  config: Pick<EnvironmentConfig, 'grafana'>,
  options: { saml?: boolean } = {},
): Record<string, IniSection> {
  const sections: Record<string, IniSection> = {
    server: {
      http_port: PORTS.grafana,
      domain: config.grafana.hostname,
      root_url: grafanaRootUrl(config),
      enforce_domain: false,
      // HTTPS in the pod too (grafana-tls.ts); the load balancer re-encrypts to it.
      ...grafanaServerTlsIni(),
    },
    database: grafanaDatabaseIni(config),
    // Sessions are cookies signed by the shared database's data: any replica serves any user.
    security: { cookie_secure: true, cookie_samesite: 'lax', disable_gravatar: true },
    analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false },
    auth: { disable_login_form: true, oauth_allow_insecure_email_lookup: false },
    'auth.anonymous': { enabled: false },
    'auth.basic': { enabled: false },
    'auth.generic_oauth': {
      enabled: true,
      name: 'GreenLang SSO',
      allow_sign_up: true,
      client_id: file('client_id'),
      client_secret: file('client_secret'),
      scopes: 'openid profile email groups',
      auth_url: file('auth_url'),
      token_url: file('token_url'),
      api_url: file('api_url'),
      use_pkce: true,
      use_refresh_token: true,
      role_attribute_path: "contains(groups[*], 'greenlang-platform-admins') && 'Admin' || 'Viewer'",
    },
    users: { allow_sign_up: false, auto_assign_org_role: 'Viewer' },
    // Alerting is code (Prometheus / Thanos Ruler rules → Alertmanager). Grafana-managed alerts would run on
    // every replica and notify once per replica unless the replicas formed an HA cluster: keep them off.
    unified_alerting: { enabled: false },
    log: { mode: 'console', level: 'info' },
  };
  if (options.saml) {
    sections['auth.saml'] = {
      enabled: true,
      idp_metadata_url: `$__file{${OAUTH_DIR}/saml_idp_metadata_url}`,
      certificate: `$__file{${OAUTH_DIR}/saml_certificate}`,
      private_key: `$__file{${OAUTH_DIR}/saml_private_key}`,
      allow_sign_up: true,
    };
  }
  return sections;
}

/** Where Grafana finds the CA that signs the query-frontend's certificate (only `ca.crt` of its secret). */
export const GRAFANA_FRONTEND_CA_DIR = '/etc/grafana/query-frontend-ca';
export const GRAFANA_FRONTEND_CA_FILE = `${GRAFANA_FRONTEND_CA_DIR}/ca.crt`;

/**
 * The provisioned data source: Thanos Query through the query-frontend, the default (uid used by every dashboard),
 * over HTTPS verified with the in-cluster CA. Grafana's data source HTTP client takes the CA from
 * `secureJsonData.tlsCACert` when `jsonData.tlsAuthWithCACert` is true, and verifies the URL's host (no
 * `serverName` needed: the certificate names the Service's cluster DNS name) (grafana/grafana
 * pkg/services/datasources/service/datasource.go `dsTLSOptions`). Provisioning expands `$__file{<path>}` in every
 * string of `secureJsonData` (pkg/services/provisioning/datasources/types.go: `SecureJSONData
 * values.StringMapValue`; pkg/services/provisioning/values/values.go `interpolateValue` → `setting.ExpandVar`;
 * pkg/setting/expanders.go `fileExpander` reads the file, trimmed), so the PEM comes from the mounted secret and
 * never sits in the ConfigMap. Read at provisioning (start): the CA (ten years) outlives any pod.
 */
export function grafanaDatasources(config: Pick<EnvironmentConfig, 'sizing' | 'region'>) {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Thanos',
        uid: THANOS_DATASOURCE.uid,
        type: THANOS_DATASOURCE.type,
        access: 'proxy',
        url: `https://${serviceHost(THANOS_QUERY_FRONTEND)}:${PORTS.queryHttp}`,
        isDefault: true,
        editable: false,
        jsonData: {
          prometheusType: 'Thanos',
          httpMethod: 'POST',
          timeInterval: config.sizing.prometheus.scrapeInterval,
          tlsAuthWithCACert: true,
        },
        secureJsonData: { tlsCACert: `$__file{${GRAFANA_FRONTEND_CA_FILE}}` },
      },
      {
        // What only AWS measures (the bucket's size per storage class) and the functions' own EMF figures (bucket
        // audit, push ingestion and repair, in the stack's region): the pod's IRSA role, read-only metrics. The custom
        // namespace is listed so the query editor offers it (dashboards name it in every query anyway).
        name: 'CloudWatch',
        uid: CLOUDWATCH_DATASOURCE.uid,
        type: CLOUDWATCH_DATASOURCE.type,
        access: 'proxy',
        isDefault: false,
        editable: false,
        jsonData: {
          authType: 'default',
          defaultRegion: config.region,
          customMetricsNamespaces: PUSH_METRICS_NAMESPACE,
        },
      },
    ],
  };
}

/** The `<identity>` of Grafana's IRSA role (`irsaRoleName(env, 'grafana')`): CloudWatch metrics read-only. */
export const GRAFANA_ROLE_IDENTITY = 'grafana';

/** Values the deployed stack knows and render does not. */
export interface GrafanaDeployInputs {
  /** ARN of the load balancer's ACM certificate. @default renderGrafanaCertificateArn(config) */
  readonly certificateArn?: string;
}

/**
 * Grafana as plain manifests (upstream image): its config, data source and dashboards provisioned from
 * ConfigMaps, its database per `grafana.database` (RDS PostgreSQL shared by the replicas, or sqlite on a PVC with
 * one replica), reachable by people through an internal TLS load balancer at `grafana.hostname`.
 */
export function grafanaObjects(config: EnvironmentConfig, deploy: GrafanaDeployInputs = {}): KubernetesObject[] {
  const labels = componentLabels(GRAFANA, 'grafana');
  const sizing = config.sizing.components.grafana;
  const postgres = config.grafana.database.engine === 'postgres';
  return [
    serviceAccount(GRAFANA, labels, { 'eks.amazonaws.com/role-arn': irsaRoleArn(config, GRAFANA_ROLE_IDENTITY) }),
    ...grafanaDatabaseObjects(config),
    ...grafanaDashboardConfigMaps(config),
    externalSecret({
      name: GRAFANA_OAUTH_SECRET,
      component: 'grafana',
      extractKey: secretName(config.name, 'grafana-oauth'),
    }),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'grafana-config', namespace: MONITORING_NAMESPACE, labels },
      data: {
        'grafana.ini': renderIni(grafanaIni(config)),
        'datasources.yaml': stringify(grafanaDatasources(config)),
        'dashboards.yaml': stringify(grafanaDashboardProvider()),
      },
    },
    grafanaCertificate(),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: GRAFANA, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        replicas: sizing.replicas,
        // sqlite: the volume is ReadWriteOnce and the file single-writer: stop the old pod before the new one.
        strategy: postgres
          ? { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }
          : { type: 'Recreate' },
        selector: { matchLabels: selectorLabels(GRAFANA) },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: GRAFANA,
            securityContext: podSecurityContext(472),
            affinity: preferredAntiAffinity(selectorLabels(GRAFANA)),
            containers: [
              {
                name: 'grafana',
                image: IMAGES.grafana,
                ports: [{ name: 'https', containerPort: PORTS.grafana, protocol: 'TCP' }],
                resources: containerResources(sizing.resources),
                securityContext: CONTAINER_SECURITY_CONTEXT,
                readinessProbe: {
                  httpGet: { path: '/api/health', port: 'https', scheme: 'HTTPS' },
                  periodSeconds: 10,
                },
                livenessProbe: {
                  httpGet: { path: '/api/health', port: 'https', scheme: 'HTTPS' },
                  periodSeconds: 30,
                  failureThreshold: 5,
                },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/grafana/grafana.ini', subPath: 'grafana.ini', readOnly: true },
                  {
                    name: 'config',
                    mountPath: '/etc/grafana/provisioning/datasources/datasources.yaml',
                    subPath: 'datasources.yaml',
                    readOnly: true,
                  },
                  {
                    name: 'config',
                    mountPath: '/etc/grafana/provisioning/dashboards/dashboards.yaml',
                    subPath: 'dashboards.yaml',
                    readOnly: true,
                  },
                  { name: 'dashboards', mountPath: GRAFANA_DASHBOARDS_DIR, readOnly: true },
                  { name: 'oauth', mountPath: OAUTH_DIR, readOnly: true },
                  { name: 'query-frontend-ca', mountPath: GRAFANA_FRONTEND_CA_DIR, readOnly: true },
                  { ...GRAFANA_TLS_VOLUME_MOUNT },
                  ...(postgres ? [{ name: 'database', mountPath: GRAFANA_DATABASE_DIR, readOnly: true }] : []),
                  { name: 'data', mountPath: '/var/lib/grafana' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'grafana-config' } },
              grafanaDashboardsVolume(config),
              { name: 'oauth', secret: { secretName: GRAFANA_OAUTH_SECRET } },
              {
                name: 'query-frontend-ca',
                secret: { secretName: QUERY_FRONTEND_TLS_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] },
              },
              GRAFANA_TLS_VOLUME,
              ...(postgres ? [{ name: 'database', secret: { secretName: GRAFANA_DATABASE_SECRET } }] : []),
              grafanaDataVolume(config),
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: GRAFANA, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(GRAFANA),
        ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
      },
    },
    grafanaLoadBalancerService(config, deploy.certificateArn ?? renderGrafanaCertificateArn(config)),
    podDisruptionBudget(GRAFANA, labels, selectorLabels(GRAFANA)),
  ];
}
