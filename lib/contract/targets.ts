import { COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import type { EnvironmentConfig } from '../config';
import type { KubernetesObject } from '../k8s/types';
import {
  ALERT_SERIES_NAMES,
  type Exposure,
  JOB_EXPOSURES,
  PUSHED_BATCH_JOB_NAMES,
  PUSHED_COMPACTOR_NAMES,
  type ScrapableBinary,
} from './exposures';
import { monitorJobs } from './operator-jobs';
import { type RelabelConfig, relabel } from './relabel';
import { recordingRuleTargets } from './rule-queries';
import { ANY_PUSHED_JOB, type Target } from './selectors';

/**
 * The targets the contract checks queries against (pure: the names of the real binaries are passed in, scraped by
 * the test in test/support/contract-targets.ts). To check other queries (e.g. dashboard panels) against the same
 * reality: `checkSelectors(panelQueries, contractTargets(config, kubernetesObjects(config), scraped))`; to add a
 * job (kube-state-metrics, kubelet...), pass `exposures` with it (a binary to scrape or a cited list).
 */

/**
 * Series names Prometheus adds to every scraped target (prometheus/prometheus scrape/scrape.go: `up`,
 * `scrape_duration_seconds`, `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`,
 * `scrape_series_added`).
 */
export const SYNTHETIC_SCRAPE_NAMES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

/** The metric names of a text exposition (series names: histogram `_bucket`/`_count`/`_sum` included). */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name) names.add(name);
  }
  return names;
}

/**
 * Whether a scraped series named `name` survives the endpoint's `metricRelabelings` (Prometheus applies them to
 * every sample before storing it, prometheus/prometheus scrape/scrape.go mutateSampleLabels). Only `keep`/`drop`
 * steps reading `__name__` alone decide by name; other steps depend on labels the contract does not model.
 */
export function keptByName(name: string, metricRelabelings: readonly RelabelConfig[]): boolean {
  const byName = metricRelabelings.filter(
    (s) =>
      (s.action === 'keep' || s.action === 'drop') &&
      s.source_labels?.length === 1 &&
      s.source_labels[0] === '__name__',
  );
  return relabel({ __name__: name }, byName) !== undefined;
}

/**
 * The contract's targets for the rendered Kubernetes objects: one per job a monitor produces (names from the real
 * binary or the cited list of {@link JOB_EXPOSURES}, plus Prometheus' synthetic scrape series), the pushed groups,
 * the recording rules, and the alert series (`ALERTS`) the rule managers write. A job without a known exposure
 * exposes nothing (every selector on it fails).
 */
export function contractTargets(
  config: EnvironmentConfig,
  objects: readonly KubernetesObject[],
  scraped: ReadonlyMap<ScrapableBinary, ReadonlySet<string>>,
  exposures: Readonly<Record<string, Exposure>> = JOB_EXPOSURES,
): Target[] {
  const targets: Target[] = [];
  for (const { job, monitor, metricRelabelings } of monitorJobs(objects)) {
    if (job === undefined) continue;
    const exposure = exposures[job];
    // The synthetic series are added after metric relabeling (scrape.go addReportSample): never dropped by it.
    const names = new Set<string>(SYNTHETIC_SCRAPE_NAMES);
    const exposed = [
      ...(exposure?.scrape ? (scraped.get(exposure.scrape) ?? []) : []),
      ...(exposure?.cited ?? []).map((c) => c.name),
    ];
    for (const n of exposed) if (keptByName(n, metricRelabelings)) names.add(n);
    const origin = exposure?.scrape
      ? `monitor ${monitor}: scraped from the real ${exposure.scrape}`
      : `monitor ${monitor}: cited names`;
    targets.push({ job, names, origin });
  }
  const pushgatewayNames = [...(scraped.get('pushgateway') ?? [])].filter((n) => n.startsWith('push_'));
  targets.push({
    job: COMPACTOR_PUSH_JOB,
    names: new Set([...PUSHED_COMPACTOR_NAMES.map((n) => n.name), ...pushgatewayNames]),
    origin: 'pushed by the compactor CronJob',
  });
  targets.push({
    job: ANY_PUSHED_JOB,
    names: new Set([...PUSHED_BATCH_JOB_NAMES.map((n) => n.name), ...pushgatewayNames]),
    origin: 'groups batch jobs push (Pushgateway adds push_time_seconds, push_failure_time_seconds)',
  });
  targets.push(...recordingRuleTargets(config));
  targets.push({
    job: '',
    names: new Set(ALERT_SERIES_NAMES.map((n) => n.name)),
    origin: 'alert series written by the rule managers (Prometheus, Thanos Ruler)',
  });
  return targets;
}
