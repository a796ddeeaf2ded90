import type { Json } from './applied-objects';

/** Lambda's limit for all of a function's environment variables together (keys and values). */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;

/**
 * Room kept for a CA certificate's PEM in a function's environment (PUSHGATEWAY_CA_PEM, QUERY_CA_PEM): an RSA-4096
 * CA certificate with a long subject (C, ST, L, O, OU, CN) and the CA extensions is 2,273 bytes as openssl writes
 * it; EC and RSA-2048 CAs are smaller.
 */
export const CA_PEM_BUDGET = 2400;

/** A synthesized `AWS::Lambda::Function`'s environment variables (none: `{}`). */
export function functionVariables(fn: unknown): Record<string, unknown> {
  return ((fn as Json).Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
}

/**
 * The bytes a function's environment takes besides the value of `name` (its name counted): keys and values, a
 * token (a CloudFormation-generated name, e.g. a table's) counted as 255 characters, the most such a name has.
 */
export function environmentBytesBesides(variables: Record<string, unknown>, name: string): number {
  return Object.entries(variables)
    .filter(([key]) => key !== name)
    .reduce(
      (total, [key, value]) => total + key.length + (typeof value === 'string' ? Buffer.byteLength(value) : 255),
      name.length,
    );
}
