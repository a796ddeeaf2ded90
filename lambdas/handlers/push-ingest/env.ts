import { DEFAULT_PUSH_LIMITS, type PushLimits, parseLimit } from '../../domain/push-limits';

/** The environment both push functions read (set by the PushIngestion construct). */
export interface PushEnvironment {
  readonly pushgatewayUrls: string[];
  /** PEM of the CA that signs the replicas' NLB certificates (the AWS Private CA), when the URLs are https. */
  readonly pushgatewayCa?: string;
  /** DynamoDB table of the groups' records. */
  readonly groupStoreTable: string;
  readonly limits: PushLimits;
}

export function readPushEnvironment(env: NodeJS.ProcessEnv): PushEnvironment {
  const urls = (env.PUSHGATEWAY_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (urls.length === 0) throw new Error('PUSHGATEWAY_URLS must list at least one Pushgateway replica URL');
  const pushgatewayCa = env.PUSHGATEWAY_CA_PEM || undefined;
  if (pushgatewayCa !== undefined && !pushgatewayCa.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error('PUSHGATEWAY_CA_PEM must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  const groupStoreTable = env.GROUP_STORE_TABLE ?? '';
  if (!groupStoreTable) throw new Error("GROUP_STORE_TABLE must name the table of the groups' records");
  const maxBodyBytes = Number(env.MAX_PAYLOAD_BYTES ?? '');
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error(`MAX_PAYLOAD_BYTES must be a positive integer, got ${JSON.stringify(env.MAX_PAYLOAD_BYTES)}`);
  }
  const d = DEFAULT_PUSH_LIMITS;
  return {
    pushgatewayUrls: urls,
    ...(pushgatewayCa === undefined ? {} : { pushgatewayCa }),
    groupStoreTable,
    limits: {
      maxBodyBytes,
      maxDecompressedBytes: parseLimit('MAX_DECOMPRESSED_BYTES', env.MAX_DECOMPRESSED_BYTES, d.maxDecompressedBytes),
      maxSeriesPerPush: parseLimit('MAX_SERIES_PER_PUSH', env.MAX_SERIES_PER_PUSH, d.maxSeriesPerPush),
      maxSeriesPerGroup: parseLimit('MAX_SERIES_PER_GROUP', env.MAX_SERIES_PER_GROUP, d.maxSeriesPerGroup),
      maxLabelsPerSeries: parseLimit('MAX_LABELS_PER_SERIES', env.MAX_LABELS_PER_SERIES, d.maxLabelsPerSeries),
      maxLabelValueLength: parseLimit('MAX_LABEL_VALUE_LENGTH', env.MAX_LABEL_VALUE_LENGTH, d.maxLabelValueLength),
    },
  };
}

/** Replica names follow the order of the URLs: pushgateway-0, pushgateway-1, ... */
export function replicaName(index: number): string {
  return `pushgateway-${index}`;
}
