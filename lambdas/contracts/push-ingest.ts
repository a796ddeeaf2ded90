import { NO_GRANTS, parseJobGrants } from '../domain/job-grants';
import { DEFAULT_PUSH_LIMITS, type PushLimits } from '../domain/push-limits';
import {
  type EnvValues,
  envContract,
  optionalParsedVar,
  optionalPemCertificateVar,
  optionalStringVar,
  parsedVar,
  positiveIntVar,
  requiredPositiveIntVar,
  stringVar,
} from './env';

/** The Pushgateway replicas, comma-separated, in order (`pushgateway-0`, `pushgateway-1`, ...). */
export const pushgatewayUrlsVar = parsedVar('PUSHGATEWAY_URLS', (text) => {
  const urls = text
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (urls.length === 0) {
    throw new Error('environment variable PUSHGATEWAY_URLS must list at least one Pushgateway replica URL');
  }
  return urls;
});

/**
 * PEM of the CA that signs the replicas' NLB certificates (the environment's AWS Private CA, read at deploy time):
 * the only CA the replica clients trust for https URLs. Unset: the platform's default trust store.
 */
export const pushgatewayCaVar = optionalPemCertificateVar('PUSHGATEWAY_CA_PEM');

/**
 * Name of the Secrets Manager secret holding the basic-auth credentials every replica admits
 * (`{"username": "...", "password": "..."}`; lib/k8s/pushgateway-auth.ts renders the replicas' side from it).
 * Unset: no credentials are sent.
 */
export const pushgatewayAuthSecretVar = optionalStringVar('PUSHGATEWAY_AUTH_SECRET');

/** DynamoDB table of the groups' records (the truth both push functions read and write). */
export const groupStoreTableVar = stringVar('GROUP_STORE_TABLE');

const d = DEFAULT_PUSH_LIMITS;

/** The push-ingest function's environment, set by the PushIngestion construct. */
export const pushIngestEnv = envContract({
  pushgatewayUrls: pushgatewayUrlsVar,
  pushgatewayCa: pushgatewayCaVar,
  pushgatewayAuthSecret: pushgatewayAuthSecretVar,
  groupStoreTable: groupStoreTableVar,
  /** Largest push body accepted (413 above); at most MAX_PUSH_PAYLOAD_BYTES (domain/push-limits.ts). */
  maxBodyBytes: requiredPositiveIntVar('MAX_PAYLOAD_BYTES'),
  maxDecompressedBytes: positiveIntVar('MAX_DECOMPRESSED_BYTES', d.maxDecompressedBytes),
  maxSeriesPerPush: positiveIntVar('MAX_SERIES_PER_PUSH', d.maxSeriesPerPush),
  maxSeriesPerGroup: positiveIntVar('MAX_SERIES_PER_GROUP', d.maxSeriesPerGroup),
  maxLabelsPerSeries: positiveIntVar('MAX_LABELS_PER_SERIES', d.maxLabelsPerSeries),
  maxLabelValueLength: positiveIntVar('MAX_LABEL_VALUE_LENGTH', d.maxLabelValueLength),
  maxGroups: positiveIntVar('MAX_GROUPS', d.maxGroups),
  /**
   * Which clients (the JWT's `client_id`, `cid` or `azp`) may push to which jobs, as JSON (`{"<client id>": ["job", "etl-*"]}`,
   * domain/job-grants.ts). Unset: every client of the audience may push to every job.
   */
  jobGrants: optionalParsedVar('PUSH_JOB_GRANTS', parseJobGrants, NO_GRANTS),
});

export type PushIngestEnv = EnvValues<typeof pushIngestEnv.variables>;

/** The push limits the function enforces, from its environment. */
export function pushLimits(env: PushIngestEnv): PushLimits {
  return {
    maxBodyBytes: env.maxBodyBytes,
    maxDecompressedBytes: env.maxDecompressedBytes,
    maxSeriesPerPush: env.maxSeriesPerPush,
    maxSeriesPerGroup: env.maxSeriesPerGroup,
    maxLabelsPerSeries: env.maxLabelsPerSeries,
    maxLabelValueLength: env.maxLabelValueLength,
    maxGroups: env.maxGroups,
  };
}
