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

/** Each Pushgateway replica, individually reachable from the VPC (the ingestion writes every replica). */
export function pushgatewayReplicaUrl(env: EnvironmentName, replica: number): string {
  return `http://pushgateway-${replica}.${internalZoneName(env)}:9091`;
}

/** Thanos Query (through the query-frontend) as seen from the VPC: the capacity report's Prometheus API. */
export function thanosQueryUrl(env: EnvironmentName): string {
  return `http://thanos-query.${internalZoneName(env)}:9090`;
}

/** Secrets Manager names; External Secrets Operator syncs the in-cluster ones into Kubernetes secrets. */
export function secretName(
  env: EnvironmentName,
  secret: 'alert-webhook-token' | 'slack-webhook-url' | 'pagerduty-routing-key' | 'grafana-oauth',
): string {
  return `greenlang-${env}/${secret}`;
}

/** Where Alertmanager reads the fan-out's bearer token (a Kubernetes secret synced by ESO, mounted read-only). */
export const ALERT_WEBHOOK_TOKEN_FILE = '/etc/alertmanager/secrets/alert-webhook-token/token';
