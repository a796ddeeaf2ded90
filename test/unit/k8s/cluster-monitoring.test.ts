import { loadEnvironmentConfig } from '../../../lib/config';
import { dashboardQueries } from '../../../lib/dashboards';
import { helmReleases, kubernetesObjects } from '../../../lib/k8s';
import { CLUSTER_JOBS } from '../../../lib/k8s/cluster-jobs';
import { CADVISOR_METRICS, KUBELET_METRICS } from '../../../lib/k8s/cluster-monitoring';
import { ruleFiles } from '../../../lib/rules';
import { isAlertingRule } from '../../../lib/rules/types';
import { find, type Json } from './support';

const config = loadEnvironmentConfig('prod');
const objects = kubernetesObjects(config);
const releases = helmReleases(config);
const release = (name: string) => releases.find((r) => r.release === name) as Json;

/** Metric names selected together with `job="<job>"` in a PromQL expression. */
function metricsOfJob(expr: string, job: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)]
    .filter((m) => (m[2] ?? '').includes(`job="${job}"`))
    .map((m) => m[1] as string);
}

describe('cluster monitoring', () => {
  it.each([
    ['node-exporter', 'prometheus-node-exporter', '4.45.3'],
    ['kube-state-metrics', 'kube-state-metrics', '5.28.0'],
  ])(
    'installs %s from the pinned chart %s %s, with resources, off Fargate, without the chart monitor',
    (name, chart, version) => {
      const r = release(name);
      expect(r).toMatchObject({
        chart,
        version,
        namespace: 'monitoring',
        repository: 'https://prometheus-community.github.io/helm-charts',
      });
      expect(r.values.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(r.values.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(r.values.prometheus.monitor.enabled).toBe(false);
      expect(r.values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: ['fargate'] }] },
      ]);
    },
  );

  it('keeps the operator managing the kubelet Service the kubelet monitor selects', () => {
    expect(release('prometheus-operator').values.prometheusOperator.kubeletService).toEqual({
      enabled: true,
      namespace: 'kube-system',
    });
    const monitor = find(objects, 'ServiceMonitor', 'kubelet');
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['kube-system'] });
    expect(monitor.spec.selector.matchLabels).toEqual({ 'k8s-app': 'kubelet' });
  });

  it.each([
    ['node-exporter', [CLUSTER_JOBS.nodeExporter]],
    ['kube-state-metrics', [CLUSTER_JOBS.kubeStateMetrics]],
    ['kubelet', [CLUSTER_JOBS.kubelet, CLUSTER_JOBS.cadvisor]],
    // The Pushgateway's dedup relabeling tells its own series by this job.
    ['pushgateway', ['pushgateway']],
  ])('ServiceMonitor %s sets job explicitly on every endpoint', (name, jobs) => {
    const endpoints = find(objects, 'ServiceMonitor', name).spec.endpoints as Json[];
    expect(endpoints.map((e) => e.relabelings[0])).toEqual(
      jobs.map((job) => ({ action: 'replace', targetLabel: 'job', replacement: job })),
    );
  });

  it('scrapes the kubelet over HTTPS with the service account token and skips Fargate nodes', () => {
    for (const endpoint of find(objects, 'ServiceMonitor', 'kubelet').spec.endpoints as Json[]) {
      expect(endpoint).toMatchObject({
        port: 'https-metrics',
        scheme: 'https',
        honorLabels: true,
        bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      });
      const drops = endpoint.relabelings.filter((r: Json) => r.action === 'drop');
      expect(drops.map((d: Json) => d.regex)).toEqual(['fargate-.*', 'fargate-.*']);
    }
  });

  it('keeps every cAdvisor and kubelet metric the alerts and dashboards read', () => {
    const exprs = [
      ...dashboardQueries(config).map((q) => q.expr),
      ...ruleFiles(config).flatMap((f) => f.groups.flatMap((g) => g.rules.map((r) => r.expr))),
    ];
    const used = (job: string) => new Set(exprs.flatMap((e) => metricsOfJob(e, job)));
    expect(
      [...used(CLUSTER_JOBS.cadvisor)].filter((m) => !(CADVISOR_METRICS as readonly string[]).includes(m)),
    ).toEqual([]);
    expect([...used(CLUSTER_JOBS.kubelet)].filter((m) => !(KUBELET_METRICS as readonly string[]).includes(m))).toEqual(
      [],
    );
    expect(used(CLUSTER_JOBS.cadvisor).size).toBeGreaterThan(2);
    const [kubelet, cadvisor] = find(objects, 'ServiceMonitor', 'kubelet').spec.endpoints as Json[];
    expect(kubelet?.metricRelabelings).toEqual([
      { action: 'keep', sourceLabels: ['__name__'], regex: `(${KUBELET_METRICS.join('|')})` },
    ]);
    expect(cadvisor?.path).toBe('/metrics/cadvisor');
  });

  it('has the core Kubernetes alerts, each filtered on a cluster job', () => {
    const file = ruleFiles(config).find((f) => f.name === 'kubernetes');
    const alerts = (file?.groups ?? []).flatMap((g) => g.rules.filter(isAlertingRule));
    expect(alerts.map((a) => a.alert)).toEqual([
      'KubePodCrashLooping',
      'KubeContainerOOMKilled',
      'KubePodNotReady',
      'KubeContainerCPUThrottled',
      'KubePersistentVolumeFillingUp',
      'KubePersistentVolumeFull',
      'KubeJobFailed',
      'KubeNodeNotReady',
    ]);
    for (const alert of alerts) expect(alert.expr).toMatch(/job="(kube-state-metrics|kubelet|cadvisor)"/);
  });
});
