import type { RepairMetricsSink } from '../../adapters/push-metrics';
import type { PushParts } from '../push-ingest/compose';
import { makeRepair, type RepairReport } from './repair';

/** The repair pass's object graph, the same in Lambda (`./index.ts`) and locally (`lambdas/local/ingest-server.ts`). */
export function composePushRepair(parts: PushParts, metrics?: RepairMetricsSink): () => Promise<RepairReport> {
  const { replicas, store, timing, logger } = parts;
  return makeRepair({ replicas, store, timing, logger, ...(metrics === undefined ? {} : { metrics }) });
}
