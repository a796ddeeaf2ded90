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
 * Loads and validates the named environment (`-c env=NAME`).
 * @throws ConfigError for an unknown name or a bad value.
 */
export function loadEnvironmentConfig(name: string): EnvironmentConfig {
  if (!isEnvironmentName(name)) {
    throw new ConfigError(`Unknown environment "${name}": must be one of ${ENVIRONMENT_NAMES.join(', ')}.`);
  }
  return validateEnvironmentConfig(ENVIRONMENTS[name], `lib/config/environments/${name}.ts`);
}
