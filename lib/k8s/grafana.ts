import { stringify } from 'yaml';
import type { EnvironmentConfig } from '../config';
import { secretName } from '../naming';
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
import { MONITORING_NAMESPACE } from './namespace';
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
 * ExternalSecret), local login off. SAML is a Grafana Enterprise feature: `saml: true` adds its section, reading
 * `idp_metadata_url`, `certificate` and `private_key` from the same secret.
 */
export function grafanaIni(options: { saml?: boolean } = {}): Record<string, IniSection> {
  const sections: Record<string, IniSection> = {
    server: { http_port: PORTS.grafana },
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

/** The provisioned data source: Thanos Query through the query-frontend, the default. */
export function grafanaDatasources(config: Pick<EnvironmentConfig, 'sizing'>) {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: 'Thanos',
        uid: 'thanos',
        type: 'prometheus',
        access: 'proxy',
        url: `http://${serviceHost(THANOS_QUERY_FRONTEND)}:${PORTS.queryHttp}`,
        isDefault: true,
        editable: false,
        jsonData: {
          prometheusType: 'Thanos',
          httpMethod: 'POST',
          timeInterval: config.sizing.prometheus.scrapeInterval,
        },
      },
    ],
  };
}

/**
 * Grafana as plain manifests (upstream image). Note: with more than one replica, Grafana's sessions and users
 * must live in a shared database ([database] section); sqlite in an emptyDir is per pod.
 */
export function grafanaObjects(config: EnvironmentConfig): KubernetesObject[] {
  const labels = componentLabels(GRAFANA, 'grafana');
  const sizing = config.sizing.components.grafana;
  return [
    serviceAccount(GRAFANA, labels),
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
        'grafana.ini': renderIni(grafanaIni()),
        'datasources.yaml': stringify(grafanaDatasources(config)),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: GRAFANA, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        replicas: sizing.replicas,
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
                ports: [{ name: 'http', containerPort: PORTS.grafana, protocol: 'TCP' }],
                resources: containerResources(sizing.resources),
                securityContext: CONTAINER_SECURITY_CONTEXT,
                readinessProbe: { httpGet: { path: '/api/health', port: 'http' }, periodSeconds: 10 },
                livenessProbe: {
                  httpGet: { path: '/api/health', port: 'http' },
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
                  { name: 'oauth', mountPath: OAUTH_DIR, readOnly: true },
                  { name: 'data', mountPath: '/var/lib/grafana' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'grafana-config' } },
              { name: 'oauth', secret: { secretName: GRAFANA_OAUTH_SECRET } },
              { name: 'data', emptyDir: {} },
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
        // Sessions live in each pod's own sqlite until a shared database is configured: keep a client on one pod.
        sessionAffinity: 'ClientIP',
        selector: selectorLabels(GRAFANA),
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    podDisruptionBudget(GRAFANA, labels, selectorLabels(GRAFANA)),
  ];
}
