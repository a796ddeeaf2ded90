import { COMPACTOR_PUSH_JOB } from '../../lambdas/domain/compactor-metrics';
import { CLUSTER_JOBS } from '../k8s/cluster-jobs';
import { JOBS } from '../rules/conventions';

/**
 * The `job` of each scrape target the dashboards read: the rules' conventions (lib/rules/conventions.ts), the
 * query-frontend and the cluster monitors (lib/k8s/cluster-jobs.ts). Panel queries filter on these names only.
 */
export const DASHBOARD_JOBS = {
  ...JOBS,
  /** Thanos query-frontend (scraped by the `thanos` ServiceMonitor, relabelled to this job). */
  thanosQueryFrontend: 'thanos-query-frontend',
  /** The compactor CronJob's pushed run results (not scraped: a CronJob is gone between runs). */
  thanosCompactorPush: COMPACTOR_PUSH_JOB,
  ...CLUSTER_JOBS,
} as const;
