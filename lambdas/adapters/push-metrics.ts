/**
 * The push ingestion's own figures as CloudWatch EMF (Powertools Metrics), the way the bucket audit emits its own
 * (audit-metrics.ts): per push, accepted or refused, the answer's status, replicas missed, body bytes, series and
 * the time to answer; per repair pass, groups repaired and still owed, failed replica writes, unreachable and
 * resynchronised replicas. Names: domain/push-metric-names.ts. Each sink publishes what it recorded at once (one
 * EMF document per push or pass, written to stdout where Lambda's log agent extracts it), so nothing depends on a
 * middleware flushing at the end of an invocation and a repair invocation's 2-second passes stay separate points.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  INGEST_METRICS,
  PUSH_DIMENSIONS,
  PUSH_METRICS_NAMESPACE,
  type PUSH_SERVICES,
  REPAIR_METRICS,
} from '../domain/push-metric-names';

/** What one push came to, as the API answered it. */
export interface PushObservation {
  /** The HTTP status answered (500 when the function failed). */
  readonly status: number;
  /** Body bytes as received. */
  readonly bytes: number;
  /** Series of the pushed body, when it was decoded (a DELETE has none). */
  readonly series?: number;
  /** Replicas named in the missed-replicas header of an accepted push. */
  readonly missedReplicas: readonly string[];
  /** Milliseconds from the request reaching the handler to its answer. */
  readonly ackMs: number;
}

/** What one repair pass came to (lambdas/handlers/push-repair/repair.ts `RepairReport` has these fields). */
export interface RepairPassFigures {
  readonly synced: number;
  readonly stillOwed: number;
  readonly writeFailures: number;
  readonly restarted: readonly string[];
  readonly unreachable: readonly string[];
}

export interface PushMetricsSink {
  push(observation: PushObservation): void;
}

export interface RepairMetricsSink {
  pass(figures: RepairPassFigures): void;
}

/** Accepted means answered 2xx: the push is held by the store and applied (or owed by the repair). */
export function isAccepted(status: number): boolean {
  return status >= 200 && status < 300;
}

export class PowertoolsPushMetrics implements PushMetricsSink {
  constructor(private readonly metrics: Metrics) {}

  push(o: PushObservation): void {
    const m = this.metrics;
    const accepted = isAccepted(o.status);
    // Dimensions service + status: one document per push (a single metric publishes at once).
    const answer = m.singleMetric();
    answer.addDimension(PUSH_DIMENSIONS.status, String(o.status));
    answer.addMetric(INGEST_METRICS.answers, MetricUnit.Count, 1);
    for (const replica of accepted ? o.missedReplicas : []) {
      const miss = m.singleMetric();
      miss.addDimension(PUSH_DIMENSIONS.replica, replica);
      miss.addMetric(INGEST_METRICS.replicaMisses, MetricUnit.Count, 1);
    }
    // Dimension service: 0 as well as 1, so Sum counts and Average is the share.
    m.addMetric(INGEST_METRICS.accepted, MetricUnit.Count, accepted ? 1 : 0);
    m.addMetric(INGEST_METRICS.refused, MetricUnit.Count, accepted ? 0 : 1);
    m.addMetric(INGEST_METRICS.bytes, MetricUnit.Bytes, o.bytes);
    m.addMetric(INGEST_METRICS.ackTime, MetricUnit.Milliseconds, o.ackMs);
    if (accepted) {
      m.addMetric(INGEST_METRICS.replicasMissed, MetricUnit.Count, o.missedReplicas.length);
      m.addMetric(INGEST_METRICS.series, MetricUnit.Count, o.series ?? 0);
    }
    m.publishStoredMetrics();
  }
}

export class PowertoolsRepairMetrics implements RepairMetricsSink {
  constructor(private readonly metrics: Metrics) {}

  pass(f: RepairPassFigures): void {
    const m = this.metrics;
    m.addMetric(REPAIR_METRICS.repaired, MetricUnit.Count, f.synced);
    m.addMetric(REPAIR_METRICS.stillOwed, MetricUnit.Count, f.stillOwed);
    m.addMetric(REPAIR_METRICS.writeFailures, MetricUnit.Count, f.writeFailures);
    m.addMetric(REPAIR_METRICS.unreachable, MetricUnit.Count, f.unreachable.length);
    m.addMetric(REPAIR_METRICS.resynchronised, MetricUnit.Count, f.restarted.length);
    m.publishStoredMetrics();
  }
}

/** The Powertools instance of one push function: the fixed namespace and the function's service name. */
export function pushFunctionMetrics(service: (typeof PUSH_SERVICES)[keyof typeof PUSH_SERVICES]): Metrics {
  return new Metrics({ namespace: PUSH_METRICS_NAMESPACE, serviceName: service });
}

/** Keeps what it is given, in memory (tests; a local run that wants the figures without EMF on stdout). */
export class RecordingPushMetrics implements PushMetricsSink, RepairMetricsSink {
  readonly pushes: PushObservation[] = [];
  readonly passes: RepairPassFigures[] = [];

  push(observation: PushObservation): void {
    this.pushes.push(observation);
  }

  pass(figures: RepairPassFigures): void {
    this.passes.push({ ...figures, restarted: [...figures.restarted], unreachable: [...figures.unreachable] });
  }
}
