import * as fs from 'node:fs';
import * as path from 'node:path';

/** One notification a local sink received (Slack, PagerDuty or email stand-in). */
export interface ReceivedNotification {
  readonly sink: 'slack' | 'pagerduty' | 'email';
  readonly receivedAt: string;
  /** A one-line human summary for the console. */
  readonly summary: string;
  /** What the sink received, as parsed. */
  readonly payload: unknown;
}

/**
 * Appends every notification a sink receives to a JSON-lines file (`.local/notifications.jsonl`) and prints it
 * readably. Appends are synchronous so a line is complete on disk before anyone reads it.
 */
export class NotificationLog {
  constructor(
    readonly file: string,
    private readonly print: (line: string) => void = () => {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  record(notification: Omit<ReceivedNotification, 'receivedAt'> & { receivedAt?: string }): ReceivedNotification {
    const entry: ReceivedNotification = {
      ...notification,
      receivedAt: notification.receivedAt ?? new Date().toISOString(),
    };
    fs.appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    this.print(`${entry.receivedAt.slice(11, 19)}  ${entry.sink.padEnd(9)}  ${entry.summary}`);
    return entry;
  }

  /** Every notification recorded so far (lines that do not parse are skipped). */
  read(): ReceivedNotification[] {
    if (!fs.existsSync(this.file)) return [];
    return fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as ReceivedNotification];
        } catch {
          return [];
        }
      });
  }
}
