import type { EnvironmentConfig } from '../config';
import { secretName } from '../naming';
import { externalSecret } from './external-secrets';
import type { KubernetesObject } from './types';

/**
 * Basic authentication on every Pushgateway replica, so only the push functions (through their records), Prometheus
 * and the compactor reach them: without it any pod of the cluster could push to or delete from one replica around
 * the push API (the VPC CNI gives pods addresses in the VPC range the NetworkPolicy admits for the NLBs).
 *
 * The ops stack generates the Secrets Manager secret `greenlang-<env>/pushgateway-basic-auth`
 * (`{"username", "password"}`, lib/constructs/push-ingestion.ts); the push functions read it (PUSHGATEWAY_AUTH_SECRET)
 * and External Secrets turns it into the Kubernetes secret {@link PUSHGATEWAY_AUTH_SECRET}, whose keys are:
 * - `web-config.yml`: the replicas' exporter-toolkit web config (`--web.config.file`), the password as a bcrypt hash
 *   made by sprig's `bcrypt` in ESO's template engine v2 (cost 10, `$2a$`);
 * - `username`, `password`: Prometheus' scrape credentials (the ServiceMonitor's `basicAuth`);
 * - `authorization-header`: `Authorization: Basic ...`, read by curl (`-H @file`) in the compactor and by the
 *   replicas' probes.
 *
 * exporter-toolkit reads the web config on every request (docs/web-configuration.md) and caches bcrypt results keyed
 * by the hash, so a changed file takes effect without a restart. sprig's bcrypt salts anew on every render, so ESO
 * rewrites the secret each refresh (external-secrets#2699): the hash changes hourly, the password does not.
 */
export const PUSHGATEWAY_AUTH_SECRET = 'pushgateway-auth';

/** The user the generated secret names (its `secretStringTemplate`). */
export const PUSHGATEWAY_AUTH_USER = 'greenlang';

/**
 * Length of the generated password: at most 72 bytes, bcrypt's limit (newer x/crypto refuses longer passwords, and
 * sprig's `bcrypt` then renders its error text instead of a hash).
 */
export const PUSHGATEWAY_PASSWORD_LENGTH = 40;

/** Where the replicas and the compactor mount the secret. */
export const PUSHGATEWAY_AUTH_DIR = '/etc/pushgateway-auth';

/** Keys of {@link PUSHGATEWAY_AUTH_SECRET}. */
export const PUSHGATEWAY_AUTH_KEYS = {
  webConfig: 'web-config.yml',
  username: 'username',
  password: 'password',
  authorizationHeader: 'authorization-header',
} as const;

/** The file (under {@link PUSHGATEWAY_AUTH_DIR}) holding a full `Authorization: Basic ...` header line. */
export const PUSHGATEWAY_AUTHORIZATION_HEADER_FILE = `${PUSHGATEWAY_AUTH_DIR}/${PUSHGATEWAY_AUTH_KEYS.authorizationHeader}`;

/**
 * An exporter-toolkit web config admitting `users` (user name, bcrypt hash), each written as a JSON string, which
 * YAML reads as a double-quoted scalar: any name is safe.
 */
export function pushgatewayWebConfig(users: readonly (readonly [string, string])[]): string {
  return `basic_auth_users:\n${users.map(([user, hash]) => `  ${JSON.stringify(user)}: ${JSON.stringify(hash)}\n`).join('')}`;
}

/**
 * The web config as ESO's template v2 renders it from the secret's JSON properties: the same shape as
 * {@link pushgatewayWebConfig}, plus an optional standby user (`standbyUsername`, `standbyPassword`) admitted beside
 * the active one, so a password is rotated without a moment where a client holds credentials the replicas refuse
 * (docs/runbooks/pushgateway.md). `fail` stops the render (ESO then keeps the last good secret) where sprig's bcrypt
 * would render its error text or a hash of nothing: a password over bcrypt's 72 bytes, a standby user without a
 * password, or a standby user named as the active one.
 */
export const PUSHGATEWAY_WEB_CONFIG_TEMPLATE = [
  '{{- if gt (len .password) 72 }}{{ fail "pushgateway-basic-auth: password is longer than 72 bytes (bcrypt)" }}{{ end -}}',
  'basic_auth_users:',
  '  {{ .username | toJson }}: {{ .password | bcrypt | toJson }}',
  '{{- with index . "standbyUsername" }}',
  '{{- $password := index $ "standbyPassword" }}',
  '{{- if not $password }}{{ fail "pushgateway-basic-auth: standbyUsername without standbyPassword" }}{{ end }}',
  '{{- if gt (len $password) 72 }}{{ fail "pushgateway-basic-auth: standbyPassword is longer than 72 bytes (bcrypt)" }}{{ end }}',
  '{{- if eq . $.username }}{{ fail "pushgateway-basic-auth: standbyUsername equals username" }}{{ end }}',
  '  {{ . | toJson }}: {{ $password | bcrypt | toJson }}',
  '{{- end }}',
  '',
].join('\n');

/** The ExternalSecret rendering {@link PUSHGATEWAY_AUTH_SECRET} from the generated Secrets Manager secret. */
export function pushgatewayAuthObjects(config: Pick<EnvironmentConfig, 'name'>): KubernetesObject[] {
  return [
    externalSecret({
      name: PUSHGATEWAY_AUTH_SECRET,
      component: 'pushgateway',
      extractKey: secretName(config.name, 'pushgateway-basic-auth'),
      template: {
        [PUSHGATEWAY_AUTH_KEYS.webConfig]: PUSHGATEWAY_WEB_CONFIG_TEMPLATE,
        [PUSHGATEWAY_AUTH_KEYS.username]: '{{ .username }}',
        [PUSHGATEWAY_AUTH_KEYS.password]: '{{ .password }}',
        [PUSHGATEWAY_AUTH_KEYS.authorizationHeader]:
          'Authorization: Basic {{ printf "%s:%s" .username .password | b64enc }}',
      },
    }),
  ];
}

/**
 * The replicas' probes: `/-/ready` and `/-/healthy` (the store's lock and write queue, handler/misc.go) need the
 * credentials like every path, and a probe's `httpHeaders` would put them in the pod spec. So busybox's wget in the
 * image (quay.io/prometheus/busybox base) sends the header read from the mounted secret. No `-T`: busybox 1.35's
 * wget (Debian 12) dies of SIGSEGV with it on a refused connection; `timeoutSeconds` bounds the probe instead (exec
 * probe timeouts are enforced since Kubernetes 1.20).
 */
export function pushgatewayAuthProbes(port: number): Record<string, unknown> {
  const probe = (path: string) => ({
    exec: {
      command: [
        'sh',
        '-c',
        `wget -q -O /dev/null --header "$(cat ${PUSHGATEWAY_AUTHORIZATION_HEADER_FILE})" http://127.0.0.1:${port}${path}`,
      ],
    },
    timeoutSeconds: 3,
  });
  return {
    readinessProbe: { ...probe('/-/ready'), periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...probe('/-/healthy'), periodSeconds: 30, failureThreshold: 4 },
  };
}
