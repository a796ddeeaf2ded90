/**
 * The replica-label convention. HA pairs write the same series; each replica adds ONE external label whose value
 * differs per pod, and Thanos Query deduplicates on exactly those labels. A mismatch silently breaks dedup
 * (bitnami/charts#14167), so every component reads its label from here.
 */

/** Added by prometheus-operator to every Prometheus replica (`spec.replicaExternalLabelName`, set explicitly). */
export const PROMETHEUS_REPLICA_LABEL = 'prometheus_replica';

/**
 * Added by prometheus-operator to every ThanosRuler replica (`--label=thanos_ruler_replica="$(POD_NAME)"`, fixed by
 * the operator) and dropped from the alerts the Ruler sends (`--alert.label-drop`), so both Ruler replicas send
 * identical alerts that Alertmanager deduplicates.
 */
export const RULER_REPLICA_LABEL = 'thanos_ruler_replica';

/**
 * Carried by every series PUSHED to a Pushgateway replica (its pod name): a target label of the Pushgateway monitor,
 * removed from the Pushgateways' own series by its metric relabeling (lib/k8s/pushgateway-dedup.ts). Both replicas
 * hold the same pushed groups, and Thanos Query keeps one.
 */
export const PUSHGATEWAY_REPLICA_LABEL = 'pushgateway_replica';

/** What Thanos Query deduplicates on (`--query.replica-label`, one flag each). */
export const QUERY_REPLICA_LABELS = [PROMETHEUS_REPLICA_LABEL, RULER_REPLICA_LABEL, PUSHGATEWAY_REPLICA_LABEL] as const;
