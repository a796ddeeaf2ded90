import * as fs from 'node:fs';
import { UsageError } from './service';

/** The token flags a local service accepts (declare them with {@link TOKEN_FLAGS}). */
export interface TokenFlags {
  readonly token?: string;
  readonly 'token-file'?: string;
}

/** `parseFlags` options for the token flags. */
export const TOKEN_FLAGS = {
  token: { type: 'string' },
  'token-file': { type: 'string' },
} as const;

/** Usage lines for the token flags of a service whose environment variable is `envName`. */
export function tokenUsage(envName: string): string[] {
  return [
    '  --token-file F     require "Authorization: Bearer <token>", the token read from file F (trimmed)',
    `                     (or set ${envName}; --token T also works but shows the token in ps)`,
  ];
}

/**
 * The bearer token a local service requires, from (in this order) `--token-file`, `--token` or the environment
 * variable `envName`; undefined = no authentication. A file or the environment keeps the token out of `ps`.
 * @throws UsageError naming the flag when two sources are given, a value is empty, or the file is unreadable.
 */
export function localToken(
  flags: TokenFlags,
  envName: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const given = [flags['token-file'] !== undefined, flags.token !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('give one of --token-file and --token, not both');
  if (flags['token-file'] !== undefined) {
    const file = flags['token-file'];
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `--token-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const token = text.trim();
    if (token.length === 0) throw new UsageError(`--token-file ${file}: the file is empty`);
    return token;
  }
  if (flags.token !== undefined) {
    if (flags.token.trim() === '') throw new UsageError('--token must not be empty');
    return flags.token;
  }
  const fromEnv = env[envName];
  if (fromEnv === undefined) return undefined;
  if (fromEnv.trim() === '') throw new UsageError(`${envName} is set but empty: unset it or give a token`);
  return fromEnv.trim();
}
