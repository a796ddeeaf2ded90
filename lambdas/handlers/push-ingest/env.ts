/** The environment both push functions read (set by the PushIngestion construct). */
export interface PushEnvironment {
  readonly pushgatewayUrls: string[];
  readonly journalTable: string;
  readonly maxPayloadBytes: number;
}

export function readPushEnvironment(env: NodeJS.ProcessEnv): PushEnvironment {
  const urls = (env.PUSHGATEWAY_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0) throw new Error('PUSHGATEWAY_URLS must list at least one Pushgateway replica URL');
  const journalTable = env.REPAIR_JOURNAL_TABLE ?? '';
  if (!journalTable) throw new Error('REPAIR_JOURNAL_TABLE must name the repair journal table');
  const maxPayloadBytes = Number(env.MAX_PAYLOAD_BYTES ?? '');
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes <= 0) {
    throw new Error(`MAX_PAYLOAD_BYTES must be a positive integer, got ${JSON.stringify(env.MAX_PAYLOAD_BYTES)}`);
  }
  return { pushgatewayUrls: urls, journalTable, maxPayloadBytes };
}

/** Replica names follow the order of the URLs: pushgateway-0, pushgateway-1, ... */
export function replicaName(index: number): string {
  return `pushgateway-${index}`;
}
