import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/**
 * `npm run local -- <service>` runs one function on this machine with the same handler code as in AWS: behind
 * HTTP for the functions API Gateway or Alertmanager call, or once from the command line for scheduled ones.
 * Each service is a module in `lambdas/local/services/<name>.ts` exporting `service`.
 */

/** Where a service writes: results to stdout (JSON by default), everything else to stderr. */
export interface LocalOutput {
  /** Writes one result to stdout (a string as is, anything else as one JSON line). */
  result(value: unknown): void;
  /** A human-readable line on stderr. */
  info(message: string): void;
}

export interface LocalService {
  /** The command name: `npm run local -- <name>`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** The service's flags, shown by `npm run local -- <name> --help`. */
  readonly usage: string;
  /**
   * Runs the service with its flags. HTTP services resolve when stopped (SIGINT/SIGTERM via `signal`);
   * one-shot services resolve when done. Throw {@link UsageError} for bad flags.
   */
  run(argv: readonly string[], output: LocalOutput, signal: AbortSignal): Promise<void>;
}

/** Bad flags: the runner prints the message on one line with where to find the flags, and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A failure the user can fix (a server that does not answer, a missing setting): the runner prints the message as
 * one line, without a stack trace, and exits with 1. The message says what is wrong and how to fix it.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/**
 * One line for any error: the message, then each `cause` (Node's fetch hides the reason, e.g. ECONNREFUSED, there),
 * with newlines folded. No stack trace: a command-line error names what is wrong, not where in the code.
 */
export function oneLineError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      const named =
        current instanceof UsageError || current instanceof CommandError || current.name === 'Error'
          ? current.message
          : `${current.name}: ${current.message}`;
      const text = typeof code === 'string' && !named.includes(code) ? `${named} (${code})` : named;
      if (!parts.some((p) => p.includes(text))) parts.push(text);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts
    .join(': ')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** A service's flags, parsed strictly (no positionals); an unknown or malformed flag is a {@link UsageError}. */
export function parseFlags<const O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
