import type { PushParts } from '../push-ingest/compose';
import { makeRepair, type RepairReport } from './repair';

/** The repair pass's object graph, the same in Lambda (`./index.ts`) and locally (`lambdas/local/ingest-server.ts`). */
export function composePushRepair(parts: PushParts): () => Promise<RepairReport> {
  return makeRepair({ replicas: parts.replicas, store: parts.store, timing: parts.timing, logger: parts.logger });
}
