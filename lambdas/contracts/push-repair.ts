import { type EnvValues, envContract } from './env';
import { groupStoreTableVar, pushgatewayCaVar, pushgatewayUrlsVar } from './push-ingest';

/** The push-repair function's environment, set by the PushIngestion construct: the same replicas and store. */
export const pushRepairEnv = envContract({
  pushgatewayUrls: pushgatewayUrlsVar,
  pushgatewayCa: pushgatewayCaVar,
  groupStoreTable: groupStoreTableVar,
});

export type PushRepairEnv = EnvValues<typeof pushRepairEnv.variables>;
