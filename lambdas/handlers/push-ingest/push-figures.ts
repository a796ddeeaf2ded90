import type { PushMetricsSink } from '../../adapters/push-metrics';
import type { StoredFamily } from '../../domain/group-record';
import { MISSED_HEADER, type PushResponse } from './answers';
import type { Logger, PushRequest } from './handler';

/** What the handler notes about a push while answering it (only it knows the decoded body). */
export interface PushNotes {
  /** Series of the decoded body. */
  series?: number;
}

/** Series of a decoded push: one per sample line. */
export function seriesOf(families: readonly StoredFamily[]): number {
  let series = 0;
  for (const family of families) series += family.sampleCount;
  return series;
}

/** The replicas an answer names in its missed-replicas header. */
export function missedReplicas(response: PushResponse): string[] {
  const header = response.headers[MISSED_HEADER];
  return header ? header.split(',').map((name) => name.trim()) : [];
}

/**
 * The push API with its figures: each answer (and each failure, counted as the 500 the API then returns) goes to
 * `sink` with the body size, the decoded series, the replicas missed and the time to answer. A failing sink is
 * logged, never the push's failure. Without a sink (tests, `npm run local`) the handler runs as it is.
 */
export function observePushes(
  sink: PushMetricsSink | undefined,
  logger: Logger,
  answer: (request: PushRequest, notes: PushNotes) => Promise<PushResponse>,
  stopwatch: () => number = () => performance.now(),
): (request: PushRequest) => Promise<PushResponse> {
  if (!sink) return (request) => answer(request, {});
  return async (request) => {
    const started = stopwatch();
    const notes: PushNotes = {};
    let status = 500;
    let missed: string[] = [];
    try {
      const response = await answer(request, notes);
      status = response.status;
      missed = missedReplicas(response);
      return response;
    } finally {
      try {
        sink.push({
          status,
          bytes: request.body.byteLength,
          series: notes.series,
          missedReplicas: missed,
          ackMs: stopwatch() - started,
        });
      } catch (error) {
        logger.warn('push figures not recorded', { error: String(error) });
      }
    }
  };
}
