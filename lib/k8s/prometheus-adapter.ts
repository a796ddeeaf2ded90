import { PORTS, serviceHost } from './common';
import { MONITORING_NAMESPACE } from './namespace';
import type { HelmRelease } from './types';
import { CHARTS } from './versions';

export const PROMETHEUS_ADAPTER_RELEASE = 'prometheus-adapter';

/** The per-pod custom metric the Thanos Query HPA reads: queries per second served by that pod. */
export const QUERY_QPS_METRIC = 'thanos_query_requests_per_second';

/**
 * prometheus-adapter serving {@link QUERY_QPS_METRIC} from Prometheus: the rate of Thanos Query's instant and range
 * query requests per pod (`job` is the service the `thanos` ServiceMonitor scrapes). It reads Prometheus directly,
 * not Thanos Query, so the HPA of Query does not depend on Query.
 */
export function prometheusAdapterRelease(prometheusService: string, queryService: string): HelmRelease {
  return {
    release: PROMETHEUS_ADAPTER_RELEASE,
    namespace: MONITORING_NAMESPACE,
    ...CHARTS.prometheusAdapter,
    values: {
      replicas: 2,
      prometheus: { url: `http://${serviceHost(prometheusService)}`, port: PORTS.prometheusHttp, path: '' },
      rules: {
        default: false,
        resource: {},
        custom: [
          {
            seriesQuery: `http_requests_total{job="${queryService}",namespace!="",pod!=""}`,
            resources: { overrides: { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } } },
            name: { matches: '^http_requests_total$', as: QUERY_QPS_METRIC },
            metricsQuery: `sum(rate(<<.Series>>{<<.LabelMatchers>>,handler=~"query|query_range"}[2m])) by (<<.GroupBy>>)`,
          },
        ],
      },
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    },
  };
}
