import { type EnvValues, envContract } from './env';
import { groupStoreTableVar, pushgatewayAuthSecretVar, pushgatewayCaVar, pushgatewayUrlsVar } from './push-ingest';

/** The push-repair function's environment, set by the PushIngestion construct: the same replicas and store. */
export const pushRepairEnv = envContract({
  pushgatewayUrls: pushgatewayUrlsVar,
  pushgatewayCa: pushgatewayCaVar,
  pushgatewayAuthSecret: pushgatewayAuthSecretVar,
  groupStoreTable: groupStoreTableVar,
});

export type PushRepairEnv = EnvValues<typeof pushRepairEnv.variables>;
