import {
  PUSHGATEWAY_REPLICA_LABEL,
  QUERY_REPLICA_LABELS,
  RULER_REPLICA_LABEL,
} from '../../../lambdas/domain/replica-labels';
import { thanosCompactArgs } from '../../../lib/k8s/thanos-compactor';
import { container, ENVIRONMENTS, find, flagValues, objectsFor } from './support';

/**
 * The replica-label convention: Query must deduplicate on EXACTLY the labels that differ between HA replicas.
 * A label missing from Query leaves duplicates; an extra one (e.g. `cluster`) merges different series.
 */
describe.each(ENVIRONMENTS)('replica labels in %s', (env) => {
  const { config, objects } = objectsFor(env);
  const prometheus = find(objects, 'Prometheus', 'greenlang');
  const ruler = find(objects, 'ThanosRuler', 'greenlang');
  const queryArgs: string[] = container(find(objects, 'Deployment', 'thanos-query').spec.template.spec, 'query').args;
  const queryLabels = flagValues(queryArgs, '--query.replica-label');

  // What each HA pair adds per pod: Prometheus its replicaExternalLabelName; the operator gives every ThanosRuler
  // pod `thanos_ruler_replica` (fixed name, not configurable); the Pushgateway monitor's target relabeling gives
  // every Pushgateway target `pushgateway_replica` = its pod name, which pushed series keep
  // (lib/k8s/pushgateway-dedup.ts).
  const pushgatewayMonitor = find(objects, 'ServiceMonitor', 'pushgateway');
  const fromPodName = (pushgatewayMonitor.spec.endpoints[0].relabelings as Record<string, unknown>[]).filter(
    (r) => JSON.stringify(r.sourceLabels) === '["__meta_kubernetes_pod_name"]' && r.targetLabel !== 'instance',
  );
  const pushgatewayLabel = fromPodName.length === 1 ? fromPodName[0]?.targetLabel : fromPodName;
  const addedByReplicas = [prometheus.spec.replicaExternalLabelName, RULER_REPLICA_LABEL, pushgatewayLabel];

  it('the Pushgateway replica label is the one the Pushgateway monitor sets', () => {
    expect(pushgatewayLabel).toBe(PUSHGATEWAY_REPLICA_LABEL);
  });

  it('Query deduplicates on exactly the labels Prometheus, the Ruler and the Pushgateway monitor add per replica', () => {
    expect(new Set(queryLabels)).toEqual(new Set(addedByReplicas));
    expect(queryLabels).toHaveLength(addedByReplicas.length);
    expect(queryLabels).toEqual([...QUERY_REPLICA_LABELS]);
  });

  it('keeps the per-replica label out of the shared external labels', () => {
    for (const label of queryLabels) {
      expect(Object.keys(prometheus.spec.externalLabels)).not.toContain(label);
      expect(Object.keys(ruler.spec.labels)).not.toContain(label);
    }
    // The shared labels are identical on both HA pairs, so deduplicated series line up.
    expect(ruler.spec.labels).toEqual(prometheus.spec.externalLabels);
  });

  it('the Ruler drops its replica label from alerts so both replicas send the same alert', () => {
    expect(ruler.spec.alertDropLabels).toEqual([RULER_REPLICA_LABEL]);
  });

  it('the compactor does not deduplicate replicas offline (or, if it ever does, on the same labels)', () => {
    const compactorLabels = flagValues(thanosCompactArgs(config), '--deduplication.replica-label');
    expect(compactorLabels.length === 0 || new Set(compactorLabels).size === new Set(queryLabels).size).toBe(true);
    expect(compactorLabels.every((l) => queryLabels.includes(l))).toBe(true);
  });
});
