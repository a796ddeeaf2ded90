import type { EnvironmentConfig, EnvironmentName } from './config';

/**
 * Names that other code (render, Kubernetes objects, runbooks) needs before deploy, so they are deterministic
 * instead of CloudFormation-generated.
 */

/** The parts of an environment, one stack each, deployed together with `cdk deploy 'greenlang-<env>-*'`. */
export type StackPart = 'storage' | 'network' | 'platform' | 'ops';

export function stackName(env: EnvironmentName, part: StackPart): string {
  return `greenlang-${env}-${part}`;
}

/** Bucket names are global: the seed's `gl-thanos-metrics-<env>` plus account and region keeps them unique. */
export function thanosBucketName(config: Pick<EnvironmentConfig, 'name' | 'account' | 'region'>): string {
  return `gl-thanos-metrics-${config.name}-${config.account}-${config.region}`;
}

export function reportsBucketName(config: Pick<EnvironmentConfig, 'name' | 'account' | 'region'>): string {
  return `gl-observability-reports-${config.name}-${config.account}-${config.region}`;
}

export function accessLogsBucketName(config: Pick<EnvironmentConfig, 'name' | 'account' | 'region'>): string {
  return `gl-observability-access-logs-${config.name}-${config.account}-${config.region}`;
}

/** KMS alias of the key that encrypts the Thanos bucket (the objstore `sse_config.kms_key_id` can use it). */
export function thanosKeyAlias(env: EnvironmentName): string {
  return `alias/greenlang-${env}-thanos`;
}

/**
 * Private Route 53 zone (associated with the VPC) where the platform publishes in-cluster endpoints that the
 * in-VPC functions call (internal load balancers, records kept by ExternalDNS).
 */
export function internalZoneName(env: EnvironmentName): string {
  return `monitoring.greenlang-${env}.internal`;
}

/** The DNS name of a Pushgateway replica's internal NLB in the private zone (ExternalDNS publishes it). */
export function pushgatewayReplicaHost(env: EnvironmentName, replica: number): string {
  return `pushgateway-${replica}.${internalZoneName(env)}`;
}

/**
 * Each Pushgateway replica, individually reachable from the VPC (the ingestion writes every replica): HTTPS, the
 * NLB terminating TLS on 9091 with a certificate from the AWS Private CA for {@link pushgatewayReplicaHost}.
 */
export function pushgatewayReplicaUrl(env: EnvironmentName, replica: number): string {
  return `https://${pushgatewayReplicaHost(env, replica)}:9091`;
}

/** The DNS name of the query-frontend's internal NLB in the private zone (ExternalDNS publishes it). */
export function thanosQueryHost(env: EnvironmentName): string {
  return `thanos-query.${internalZoneName(env)}`;
}

/**
 * Thanos Query (through the query-frontend) as seen from the VPC: the capacity report's Prometheus API. HTTPS: the
 * NLB terminates TLS on 9090 with a certificate from the AWS Private CA for {@link thanosQueryHost} and re-encrypts
 * to the frontend's HTTPS port.
 */
export function thanosQueryUrl(env: EnvironmentName): string {
  return `https://${thanosQueryHost(env)}:9090`;
}

/** The secrets a deployer creates (docs/deploy.md lists each; a test keeps the list in step). */
export const SECRET_KINDS = [
  'alert-webhook-token',
  'slack-webhook-url',
  'pagerduty-routing-key',
  'grafana-oauth',
] as const;
/** The secrets the stack generates itself (docs/deploy.md says not to create them). */
export const GENERATED_SECRET_KINDS = [
  // Grafana's RDS credentials (staging/prod): generated with the database, synced by External Secrets.
  'grafana-database',
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number] | (typeof GENERATED_SECRET_KINDS)[number];

/** Secrets Manager names; External Secrets Operator syncs the in-cluster ones into Kubernetes secrets. */
export function secretName(env: EnvironmentName, secret: SecretKind): string {
  return `greenlang-${env}/${secret}`;
}

/** Where Alertmanager reads the fan-out's bearer token (a Kubernetes secret synced by ESO, mounted read-only). */
export const ALERT_WEBHOOK_TOKEN_FILE = '/etc/alertmanager/secrets/alert-webhook-token/token';

/** Kubernetes service accounts of the components that reach AWS, in the monitoring namespace (IRSA subjects). */
export const SERVICE_ACCOUNTS = {
  /** Prometheus pods; their Thanos sidecar uploads blocks (bucket read/write). */
  prometheus: 'prometheus',
  /** Thanos store gateway (bucket read-only). */
  thanosStore: 'thanos-store',
  /** Thanos ruler (bucket read/write: it uploads its own blocks). */
  thanosRuler: 'thanos-ruler',
  /** Thanos compactor job (bucket read/write/delete). */
  thanosCompactor: 'thanos-compactor',
} as const;
export type ThanosIdentity = keyof typeof SERVICE_ACCOUNTS;

/** IAM role an IRSA service account assumes; a fixed name so Kubernetes objects can name it before deploy. */
export function irsaRoleName(env: EnvironmentName, identity: string): string {
  return `greenlang-${env}-${identity}`;
}

/** Labels of the compactor pods, and the ONLY pods the Fargate profile selects. */
export const COMPACTOR_POD_LABELS = { 'app.kubernetes.io/name': 'thanos-compactor' } as const;

/** Label on PrometheusRule objects saying who evaluates them (the Prometheus and ThanosRuler rule selectors). */
export const RULE_EVALUATOR_LABEL = 'greenlang.io/evaluated-by';
export type RuleEvaluator = 'prometheus' | 'thanos-ruler';
