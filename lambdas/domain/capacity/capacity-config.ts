/**
 * What the capacity and summary functions need from the environment config, passed as one JSON environment
 * variable (Lambda code never imports lib/config). Pure: parses and validates a string.
 */
import { type RetentionPolicy, retentionPolicyProblems } from '../retention';
import { type StackSizing, sizingProblems } from '../sizing';

export interface CapacityConfig {
  readonly environment: string;
  readonly sizing: StackSizing;
  readonly retention: RetentionPolicy;
}

export function parseCapacityConfig(text: string): CapacityConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`CAPACITY_CONFIG: not JSON: ${(error as Error).message}`);
  }
  const v = value as Partial<CapacityConfig> | null;
  if (!v || typeof v !== 'object') throw new Error('CAPACITY_CONFIG: expected an object');
  if (typeof v.environment !== 'string' || !v.environment)
    throw new Error('CAPACITY_CONFIG.environment: expected a name');
  if (!v.sizing || typeof v.sizing !== 'object' || !v.sizing.components || !v.sizing.scaleTriggers)
    throw new Error('CAPACITY_CONFIG.sizing: expected the stack sizing (components, scaleTriggers, ...)');
  if (!v.retention || typeof v.retention !== 'object' || !Array.isArray(v.retention.tiers))
    throw new Error('CAPACITY_CONFIG.retention: expected the retention policy (tiers, ...)');
  let problems: string[];
  try {
    problems = [
      ...sizingProblems(v.sizing).map((p) => `sizing.${p}`),
      ...retentionPolicyProblems(v.retention).map((p) => `retention.${p}`),
    ];
  } catch (error) {
    throw new Error(`CAPACITY_CONFIG: incomplete sizing or retention: ${(error as Error).message}`);
  }
  if (problems.length) throw new Error(`CAPACITY_CONFIG: ${problems.join('; ')}`);
  return { environment: v.environment, sizing: v.sizing, retention: v.retention };
}
