import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import type { RuleFileSpec } from './types';

/**
 * What the capacity report reads (series per replica, ingestion rate, query rate, store latency, memory), recorded
 * verbatim from the shared contract. Windows of 5m: evaluated by Prometheus.
 */
export function capacityRecordingRules(): RuleFileSpec {
  return {
    name: 'capacity-recording',
    evaluator: 'prometheus',
    runbook: 'capacity',
    service: 'capacity',
    groups: [
      {
        name: 'capacity',
        rules: Object.values(CAPACITY_RECORDING_RULES).map(({ record, expr }) => ({ record, expr })),
      },
    ],
  };
}
