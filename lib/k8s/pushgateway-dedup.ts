import { PUSHGATEWAY_REPLICA_LABEL } from '../../lambdas/domain/replica-labels';

/**
 * Pushed series counted once. The push ingestion (and the compactor) write every Pushgateway replica, so each
 * pushed series is scraped twice, and the operator's target labels make the copies differ: `pod` always, and
 * `instance` when the group has none (the Pushgateway exposes `instance=""`, an absent label, so honor_labels lets
 * the target's `instance` in). The monitor's relabelings make the copies identical except for ONE label,
 * {@link PUSHGATEWAY_REPLICA_LABEL}, which Thanos Query drops when it deduplicates (`--query.replica-label`).
 *
 * The Pushgateway's own metrics (`job` = the monitor's job) keep their `pod` and `instance` and get no replica
 * label: each replica's request counters are different series and must not be merged.
 *
 * `replacement: ''` must reach Prometheus as written (an empty value removes the label): the operator's
 * RelabelConfig.Replacement is a pointer and pkg/prometheus/promcfg.go writes it whenever it is set, empty or not;
 * left out it would be Prometheus' default `$1`.
 */

/** A relabeling in prometheus-operator's form (`RelabelConfig` of monitoring.coreos.com/v1). */
export interface OperatorRelabeling {
  readonly action: 'replace' | 'keep' | 'drop' | 'labeldrop';
  readonly sourceLabels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly targetLabel?: string;
  readonly replacement?: string;
}

/** StatefulSet pod names of the Pushgateway (`pushgateway-0`, `pushgateway-1`). */
const POD_NAME = 'pushgateway-[0-9]+';

/**
 * Target relabeling: `job` set explicitly (the metric relabeling tells the Pushgateway's own series by it; the
 * operator would otherwise use the Service name), `instance` = the pod name (stable, and recognisable again in
 * the metric relabeling), and {@link PUSHGATEWAY_REPLICA_LABEL} = the pod name. The replica label is a target label
 * of its own, not copied from `pod` later: with `honor_labels` a pushed `pod` (a CronJob pushing its pod name) wins
 * over the target's, so a copy would give both replicas' series the job's pod as replica (one series in
 * Prometheus, two targets writing it) and drop the job's label (checked with Prometheus 2.42,
 * test/integration/pushgateway-dedup.test.ts). A push carrying a label of that name would override it the same way:
 * the name is reserved (docs/metrics-conventions.md).
 */
export function pushgatewayTargetRelabelings(selfJob: string): OperatorRelabeling[] {
  return [
    { action: 'replace', targetLabel: 'job', replacement: selfJob },
    { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'instance' },
    { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: PUSHGATEWAY_REPLICA_LABEL },
  ];
}

/**
 * Metric relabeling, per scraped series (after honor_labels): the Pushgateway's own series (`job="<selfJob>"`) lose
 * the replica label and keep their `pod` and `instance`; pushed series keep the replica label and lose the target's
 * `pod` and `instance` (the replica's pod name), while a `pod` or `instance` the group was pushed with stays.
 */
export function pushgatewayMetricRelabelings(selfJob: string): OperatorRelabeling[] {
  const escaped = selfJob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const targetsOwn = (label: 'pod' | 'instance'): OperatorRelabeling => ({
    action: 'replace',
    sourceLabels: [PUSHGATEWAY_REPLICA_LABEL, label],
    separator: ';',
    regex: `.+;${POD_NAME}`,
    targetLabel: label,
    replacement: '',
  });
  return [
    // The Pushgateway's own metrics: no replica label (an empty value removes the label).
    {
      action: 'replace',
      sourceLabels: ['job'],
      regex: escaped,
      targetLabel: PUSHGATEWAY_REPLICA_LABEL,
      replacement: '',
    },
    // Pushed series (replica label still set): the per-replica pod and instance the target gave them go.
    targetsOwn('pod'),
    targetsOwn('instance'),
  ];
}

/** The same relabelings as a plain Prometheus config writes them (`source_labels`, `target_label`), for tests and render. */
export function toPrometheusRelabelConfig(relabeling: OperatorRelabeling): Record<string, unknown> {
  return {
    action: relabeling.action,
    ...(relabeling.sourceLabels ? { source_labels: [...relabeling.sourceLabels] } : {}),
    ...(relabeling.separator !== undefined ? { separator: relabeling.separator } : {}),
    ...(relabeling.regex !== undefined ? { regex: relabeling.regex } : {}),
    ...(relabeling.targetLabel !== undefined ? { target_label: relabeling.targetLabel } : {}),
    ...(relabeling.replacement !== undefined ? { replacement: relabeling.replacement } : {}),
  };
}
