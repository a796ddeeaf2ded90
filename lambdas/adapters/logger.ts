/**
 * The logger port every handler and adapter takes. Powertools' Logger fits it as it is; tests pass a fake that
 * records. Only redacted text is logged through it (secrets never reach a log line).
 */
export interface Logger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/** A logger that also reports errors (the delivery function logs the failures it hands back to SQS). */
export interface ErrorLogger extends Logger {
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
