import { parseCapacityConfig } from '../domain/capacity/capacity-config';
import { envContract, parsedVar, stringVar } from './env';

/** The capacity report's environment, set by the CapacityReport construct. */
export const capacityReportEnv = envContract({
  /** Thanos Query (or Prometheus) base URL. */
  queryUrl: stringVar('QUERY_URL'),
  reportsBucket: stringVar('REPORTS_BUCKET'),
  thanosBucket: stringVar('THANOS_BUCKET'),
  /** JSON of the environment's sizing and retention (`parseCapacityConfig`). */
  capacityConfig: parsedVar('CAPACITY_CONFIG', parseCapacityConfig),
});
