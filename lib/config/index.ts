import type { z } from 'zod';
import { dev } from './environments/dev';
import { prod } from './environments/prod';
import { staging } from './environments/staging';
import {
  ENVIRONMENT_NAMES,
  type EnvironmentConfig,
  type EnvironmentConfigInput,
  type EnvironmentName,
  environmentConfigSchema,
} from './schema';

export * from './schema';

/** The value file of each environment (`lib/config/environments/<name>.ts`). */
export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentConfigInput>> = { dev, staging, prod };

/** A configuration that cannot be deployed; the message names every bad field and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return `  - ${path ? `${path}: ` : ''}unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      }
      return `  - ${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * Validates an environment's values. Throws a {@link ConfigError} naming each bad field and what it accepts.
 * @param source where the values came from, for the message.
 */
export function validateEnvironmentConfig(input: unknown, source: string): EnvironmentConfig {
  const result = environmentConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`Invalid configuration in ${source}:\n${formatIssues(result.error.issues)}`);
}

/**
 * The CDK context keys bin/app.ts reads (`-c KEY=VALUE`), besides the ops stack's `privateCaRefresh`
 * (lib/constructs/private-ca-certificate.ts). docs/deploy.md uses exactly these; a test keeps them in step.
 */
export const CONTEXT_KEYS = {
  /** `-c env=dev|staging|prod` (default dev). */
  env: 'env',
  account: 'account',
  region: 'region',
  /** Comma-separated zones, required with a region other than the value file's. */
  availabilityZones: 'availabilityZones',
} as const;

/** Where the deploy target may come from besides the value file (bin/app.ts reads them; nothing else does). */
export interface DeployTargetSources {
  /** `-c account=… -c region=… -c availabilityZones=a,b,c` (CDK context values are strings from the CLI). */
  readonly context?: { readonly account?: unknown; readonly region?: unknown; readonly availabilityZones?: unknown };
  /**
   * The standard CDK variables the CLI sets from the credentials and profile in use. Only the account is taken:
   * see `applyDeployTarget` for why CDK_DEFAULT_REGION is not.
   */
  readonly environment?: { readonly CDK_DEFAULT_ACCOUNT?: string; readonly CDK_DEFAULT_REGION?: string };
}

/** Account, region and zones after overrides, with where each came from (for error messages). */
interface ResolvedTarget {
  readonly input: EnvironmentConfigInput;
  readonly sources: readonly string[];
}

const present = (value: unknown): value is string | number => value !== undefined && value !== null && value !== '';

/**
 * Applies the deploy target. Account: `-c account`, then CDK_DEFAULT_ACCOUNT (set by the CLI only when credentials
 * resolve), then the value file's placeholder. Region: `-c region`, then the value file — never
 * CDK_DEFAULT_REGION, which the CDK CLI sets to us-east-1 when no region is configured at all (an offline
 * `cdk synth` would otherwise move every environment there). A region other than the file's needs its zones too
 * (`-c availabilityZones=…`): zones cannot be looked up offline.
 */
function applyDeployTarget(name: EnvironmentName, sources: DeployTargetSources): ResolvedTarget {
  const file = ENVIRONMENTS[name];
  const context = sources.context ?? {};
  const environment = sources.environment ?? {};
  const used: string[] = [];
  let account = file.account;
  if (present(context.account)) {
    account = String(context.account);
    used.push('-c account');
  } else if (present(environment.CDK_DEFAULT_ACCOUNT)) {
    account = environment.CDK_DEFAULT_ACCOUNT;
    used.push('CDK_DEFAULT_ACCOUNT');
  }
  let region = file.region;
  let regionSource = `lib/config/environments/${name}.ts`;
  if (present(context.region)) {
    region = String(context.region);
    regionSource = '-c region';
    used.push(regionSource);
  }
  let availabilityZones = file.availabilityZones;
  if (present(context.availabilityZones)) {
    availabilityZones = String(context.availabilityZones)
      .split(',')
      .map((zone) => zone.trim())
      .filter((zone) => zone.length > 0);
    used.push('-c availabilityZones');
  } else if (region !== file.region) {
    throw new ConfigError(
      `region "${region}" (from ${regionSource}) is not the region of lib/config/environments/${name}.ts (${file.region}): ` +
        `pass its zones too, e.g. -c availabilityZones=${region}a,${region}b,${region}c`,
    );
  }
  return { input: { ...file, account, region, availabilityZones }, sources: used };
}

/**
 * Loads and validates the named environment (`-c env=NAME`), with the deploy target (account, region, zones)
 * taken from `sources` where given.
 * @throws ConfigError for an unknown name or a bad value.
 */
export function loadEnvironmentConfig(name: string, sources: DeployTargetSources = {}): EnvironmentConfig {
  if (!isEnvironmentName(name)) {
    throw new ConfigError(`Unknown environment "${name}": must be one of ${ENVIRONMENT_NAMES.join(', ')}.`);
  }
  const target = applyDeployTarget(name, sources);
  const where = [`lib/config/environments/${name}.ts`, ...target.sources].join(' + ');
  return validateEnvironmentConfig(target.input, where);
}
