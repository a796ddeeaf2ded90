/**
 * Alerts that make another alert redundant while they fire for the same object: Alertmanager inhibits the target
 * (lib/alerting/alertmanager-config.ts turns each entry into one inhibit rule, with `equal: [cluster, ...equal]`).
 *
 * `equal` names the labels that identify the object both alerts are about. Each one must be on both alerts
 * (test/unit/alerting/inhibitions.test.ts checks it against the rules): Alertmanager compares a missing label as
 * the empty string, so a label neither alert carries matches every object and the rule would mute the target
 * everywhere (docs/facts.md, "Alertmanager inhibition").
 *
 * Not paired, on purpose: `up == 0` and *Down alerts over their exporter's warnings (the series vanish, so the
 * warnings end by themselves); AlertmanagerDown over MembersInconsistent (the down replica's series go stale, the
 * count drops with them); GreenLangAgentFleetIncomplete (agents never scraped, which ManyMissing does not count);
 * the ErrorBudgetExhausted warnings (the budget's state, not a burn); RedisMemoryHigh over RedisEvictingKeys
 * (evictions lose data, which the memory warning does not say).
 */
export interface Inhibition {
  /** The alert that, while firing, makes the target redundant. */
  readonly source: string;
  /** The alert muted meanwhile (same or lower severity). */
  readonly target: string;
  /** Labels of the object, besides `cluster` (always compared). */
  readonly equal: readonly string[];
}

/** The label every alert carries from its evaluator (Prometheus `externalLabels`, ThanosRuler `labels`). */
export const INHIBITION_CLUSTER_LABEL = 'cluster';

const inhibit = (source: string, target: string, equal: readonly string[]): Inhibition => ({ source, target, equal });

/** One line per pair. Alert names are the rules' own; the unit test fails on a rename. */
export const INHIBITIONS: readonly Inhibition[] = [
  // Under 5% free is also under 15% free: the page says it.
  inhibit('KubePersistentVolumeFull', 'KubePersistentVolumeFillingUp', ['namespace', 'persistentvolumeclaim']),
  // Every replica failing an integration includes the one that warns; the pod is not part of the object.
  inhibit('AlertmanagerClusterFailedToSendAlerts', 'AlertmanagerFailedToSendAlerts', ['job', 'integration']),
  // A replica that rejected its new config keeps the old one: that is the inconsistency.
  inhibit('AlertmanagerFailedReload', 'AlertmanagerConfigInconsistent', ['job']),
  // Many agents silent at once is one cause (a shared dependency), not one warning per agent.
  inhibit('GreenLangAgentsManyMissing', 'GreenLangAgentHeartbeatMissing', ['job']),
  // The last run failed in each of these: a halt, the third failure in a row, no success for 6h.
  inhibit('ThanosCompactorHalted', 'ThanosCompactorLastRunFailed', ['job']),
  inhibit('ThanosCompactorFailingRepeatedly', 'ThanosCompactorLastRunFailed', ['job']),
  inhibit('ThanosCompactorLastSuccessTooOld', 'ThanosCompactorLastRunFailed', ['job']),
  // A faster burn of the same SLO covers the slower ones (SRE workbook windows: 1h/5m, 6h/30m, 1d/2h and 3d/6h).
  inhibit('GreenLangAPIAvailabilityFastBurn', 'GreenLangAPIAvailabilityMediumBurn', ['job', 'slo']),
  inhibit('GreenLangAPIAvailabilityFastBurn', 'GreenLangAPIAvailabilitySlowBurn', ['job', 'slo']),
  inhibit('GreenLangAPIAvailabilityMediumBurn', 'GreenLangAPIAvailabilitySlowBurn', ['job', 'slo']),
  inhibit('GreenLangAPILatencyFastBurn', 'GreenLangAPILatencyMediumBurn', ['job', 'slo']),
  inhibit('GreenLangAPILatencyFastBurn', 'GreenLangAPILatencySlowBurn', ['job', 'slo']),
  inhibit('GreenLangAPILatencyMediumBurn', 'GreenLangAPILatencySlowBurn', ['job', 'slo']),
  // Already above the scale trigger: the forecast that it will be within a week says nothing more.
  inhibit('PrometheusHeadSeriesAboveScaleTrigger', 'PrometheusHeadSeriesForecastAboveScaleTrigger', ['pod']),
];
