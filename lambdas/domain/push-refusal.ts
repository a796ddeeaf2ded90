import type { RefusalStage } from './exposition/decode';
import type { PushMethod } from './pushgateway-semantics';

/**
 * What the ingestion sends every replica after refusing a push itself, so each replica is left exactly as a
 * Pushgateway that refused the push itself (checked against prometheus-pushgateway 1.5.1): a refused push is
 * counted in `pushgateway_http_requests_total{code="400"}` (what the Pushgateway-400s alert reads), and one
 * refused by the consistency check also sets the group's `push_failure_time_seconds`, creating the group if it
 * is missing (what `PushgatewayLastPushFailed` reads). Nothing else changes: the marker is a push every
 * Pushgateway refuses at the same stage, whatever it holds, sent with the client's method to the client's path.
 */
export interface RefusalMarker {
  readonly method: Exclude<PushMethod, 'DELETE'>;
  readonly body: string;
  readonly contentType: string;
}

/** A family name no client uses; written twice, so the push can never be consistent. */
export const REFUSAL_MARKER_METRIC = 'greenlang_ingestion_refused_push';

const TEXT = 'text/plain; version=0.0.4';

/**
 * The marker for a refusal, or undefined when a Pushgateway keeps no trace of it: a body that cannot be inflated
 * is answered before the Pushgateway's instrumented handler, and a refused DELETE is never replayed (a marker
 * whose path some replica took would delete the group).
 */
export function refusalMarker(stage: RefusalStage, method: PushMethod): RefusalMarker | undefined {
  if (method === 'DELETE' || stage === 'encoding') return undefined;
  if (stage === 'parse') {
    // No final new-line: text format parsing error ("unexpected end of input stream"); nothing is stored.
    return { method, body: REFUSAL_MARKER_METRIC, contentType: TEXT };
  }
  // Two samples of one series: "was collected before with the same name and label values", always, so the
  // storage stage refuses it and records the failure for the group.
  return {
    method,
    body: `${REFUSAL_MARKER_METRIC} 1\n${REFUSAL_MARKER_METRIC} 1\n`,
    contentType: TEXT,
  };
}
