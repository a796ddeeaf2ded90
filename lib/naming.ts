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
