/**
 * The push ingestion's own figures as CloudWatch metrics (EMF through Powertools Metrics,
 * lambdas/adapters/push-metrics.ts): namespace, the two functions' service names (Powertools' `service`
 * dimension), metric and dimension names. Here, in the domain, so the functions, the construct (service names,
 * alarm) and the Grafana dashboard (lib/dashboards/pushgateway.ts) share one spelling. Pure data.
 */

/** Namespace of every metric the observability functions emit (ObservabilityFunction's POWERTOOLS_METRICS_NAMESPACE). */
export const PUSH_METRICS_NAMESPACE = 'GreenLang/Observability';

/** Powertools service names of the two push functions: the `service` dimension of every metric they emit. */
export const PUSH_SERVICES = {
  ingest: 'push-ingest',
  repair: 'push-repair',
} as const;

/** Dimension names beside `service` (a metric carries exactly the dimensions listed with it below). */
export const PUSH_DIMENSIONS = {
  /** The HTTP status the push was answered with, e.g. `200`, `400`, `413`, `503`. */
  status: 'status',
  /** A Pushgateway replica's name: `pushgateway-0`, `pushgateway-1`, ... */
  replica: 'replica',
} as const;

/** One data point per push (per invocation of push-ingest), dimension `service` unless said otherwise. */
export const INGEST_METRICS = {
  /** 1 when the push was answered 2xx, else 0 (Sum: accepted pushes; Average: the share accepted). */
  accepted: 'PushesAccepted',
  /** 1 when the push was refused (any answer but 2xx, a failure of the function included), else 0. */
  refused: 'PushesRefused',
  /** 1 per push, dimensions `service` + `status`: answers by HTTP status. */
  answers: 'PushAnswers',
  /** Replicas that did not take an accepted push now (the `x-greenlang-replicas-missed` header); the repair owes them. */
  replicasMissed: 'ReplicasMissed',
  /** 1 per replica missing an accepted push, dimensions `service` + `replica`. */
  replicaMisses: 'ReplicaMissedPushes',
  /** Bytes of the push body as received (before any gzip is undone). */
  bytes: 'PushBytes',
  /** Series (sample lines) of an accepted push; a DELETE has none. */
  series: 'PushSeries',
  /** From the request reaching the handler to its answer: validation, the store commit and the replica writes. */
  ackTime: 'PushAckTime',
} as const;

/** One data point per repair pass (every 2 s), dimension `service`. */
export const REPAIR_METRICS = {
  /** Groups the pass brought to their record on every replica that owed them. */
  repaired: 'RepairGroupsRepaired',
  /** Groups some replica still owes after the pass (of those the pass looked at). */
  stillOwed: 'RepairGroupsOwed',
  /** Writes of a group to a replica that did not apply (refused, unanswered or unreachable). */
  writeFailures: 'RepairWriteFailures',
  /** Replicas the pass could not reach. */
  unreachable: 'RepairReplicasUnreachable',
  /** Replicas found restarted and resynchronised whole. */
  resynchronised: 'RepairReplicasResynchronised',
} as const;
