/**
 * The retention policy handed to the audit function as JSON (built by the construct from `config.retention`).
 */
import { RESOLUTIONS, type RetentionPolicy, retentionPolicyProblems } from '../retention';

/** Parses and validates the policy; an error names what is wrong. */
export function parseRetentionPolicy(json: string | undefined, source = 'RETENTION_POLICY'): RetentionPolicy {
  if (json === undefined || json.trim() === '') throw new Error(`${source}: missing (JSON of the retention table)`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const policy = value as RetentionPolicy;
  const problems: string[] = [];
  if (typeof policy !== 'object' || policy === null) throw new Error(`${source}: must be a JSON object`);
  for (const r of RESOLUTIONS) {
    if (typeof policy.resolutionDays?.[r] !== 'number') problems.push(`resolutionDays.${r}: must be a number`);
  }
  if (!Array.isArray(policy.tiers)) problems.push('tiers: must be an array');
  for (const field of ['deleteDelayHours', 'consistencyDelayMinutes', 'abortIncompleteMultipartUploadDays'] as const) {
    if (typeof policy[field] !== 'number') problems.push(`${field}: must be a number`);
  }
  if (problems.length === 0) problems.push(...retentionPolicyProblems(policy));
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  return policy;
}
