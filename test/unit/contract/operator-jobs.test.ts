import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadEnvironmentConfig } from '../../../lib/config';
import { jobRelabelings, metaLabels, monitorJobs, targetJob } from '../../../lib/contract/operator-jobs';
import { type RelabelConfig, relabel } from '../../../lib/contract/relabel';
import { kubernetesObjects } from '../../../lib/k8s';
import { CLUSTER_JOBS } from '../../../lib/k8s/cluster-jobs';
import type { KubernetesObject } from '../../../lib/k8s/types';
import { JOBS } from '../../../lib/rules/conventions';

/**
 * The job computation against prometheus-operator's own generated configurations (golden files kept verbatim in
 * test/fixtures/prometheus-operator, see its README): relabeling the same discovered target with the golden
 * file's `relabel_configs` and with our computed steps gives the same `job`.
 */
const FIXTURES = path.join(__dirname, '../../fixtures/prometheus-operator');

interface ScrapeConfig {
  job_name: string;
  relabel_configs: RelabelConfig[];
  metric_relabel_configs?: RelabelConfig[];
}

function golden(file: string): ScrapeConfig {
  const config = parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as { scrape_configs: ScrapeConfig[] };
  const [first] = config.scrape_configs;
  if (!first) throw new Error(`${file}: no scrape config`);
  return first;
}

/** The job a golden scrape config gives a target (hashmod/keep on shards cannot apply outside Prometheus). */
function goldenJob(config: ScrapeConfig, meta: Record<string, string>): string | undefined {
  const steps = config.relabel_configs.filter(
    (s) => s.action !== 'hashmod' && !(s.source_labels ?? []).includes('__tmp_hash'),
  );
  const labels = relabel({ ...meta, job: config.job_name }, steps);
  if (!labels) throw new Error('golden relabel_configs dropped the target');
  return labels.job;
}

const monitor = (kind: string, name: string, spec: Record<string, unknown>): KubernetesObject => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind,
  metadata: { name, namespace: 'default' },
  spec,
});

describe('job of a target, as prometheus-operator generates it', () => {
  it('PodMonitor: <namespace>/<name> (PodTargetLabelsFromPodMonitor.golden)', () => {
    const config = golden('PodTargetLabelsFromPodMonitor.golden');
    const pod = { namespace: 'default', podLabels: { example: 'a', env: 'prod' } };
    const meta = { ...metaLabels(pod), __meta_kubernetes_pod_container_port_name: 'web' };
    const podMonitor = monitor('PodMonitor', 'testpodmonitor1', {
      podTargetLabels: ['example', 'env'],
      podMetricsEndpoints: [{ port: 'web', interval: '30s' }],
    });
    expect(goldenJob(config, meta)).toBe('default/testpodmonitor1');
    expect(targetJob(podMonitor, 0, pod).target).toBe('default/testpodmonitor1');
    // Our job steps are the golden file's, in its order.
    const jobSteps = config.relabel_configs.filter(
      (s) => s.target_label === 'job' || s.target_label?.startsWith('__tmp_prometheus'),
    );
    expect(jobRelabelings(podMonitor, 0)).toEqual(jobSteps);
  });

  it('ServiceMonitor: the Service name, then endpoint relabelings win (GenerateRelabelConfig.golden)', () => {
    const config = golden('GenerateRelabelConfig.golden');
    const service = { namespace: 'default', serviceName: 'kubelet', serviceLabels: { foo: 'bar' } };
    const meta = {
      ...metaLabels(service),
      __meta_kubernetes_endpoint_port_name: 'https-metrics',
      __address__: '10.0.0.1:10250',
    };
    const relabelings = [
      { action: 'uppercase', sourceLabels: ['instance'], targetLabel: 'instance' },
      {
        action: 'replace',
        sourceLabels: ['__address__'],
        targetLabel: '__address__',
        regex: '(.+)(?::d+)',
        replacement: '$1:9537',
      },
      { action: 'replace', targetLabel: 'job', replacement: 'crio' },
      { action: 'replace', targetLabel: 'job', replacement: '' },
      { action: 'keep', sourceLabels: ['__name__'], regex: '' },
    ];
    const serviceMonitor = monitor('ServiceMonitor', 'test', {
      selector: { matchLabels: { foo: 'bar' } },
      endpoints: [
        {
          port: 'https-metrics',
          relabelings,
          metricRelabelings: [
            { action: 'drop', sourceLabels: ['__name__'], regex: 'container_fs*' },
            { action: 'replace', targetLabel: 'job', replacement: '' },
          ],
        },
      ],
    });
    // The last relabeling sets job to "": Prometheus removes empty labels, so the target has no job at all.
    expect(goldenJob(config, meta)).toBeUndefined();
    expect(targetJob(serviceMonitor, 0, service)).toEqual({ target: undefined, series: undefined });
    // Without the two job overrides the Service name is the job, in the golden file's steps and in ours.
    const untilService = config.relabel_configs.slice(
      0,
      config.relabel_configs.findIndex((s) => s.replacement === 'crio'),
    );
    expect(relabel({ ...meta, job: config.job_name }, untilService)?.job).toBe('kubelet');
    const plain = monitor('ServiceMonitor', 'test', { selector: {}, endpoints: [{ port: 'https-metrics' }] });
    expect(targetJob(plain, 0, service).target).toBe('kubelet');
    // With only the `crio` override, that wins.
    const crio = monitor('ServiceMonitor', 'test', {
      selector: {},
      endpoints: [{ port: 'https-metrics', relabelings: relabelings.slice(0, 3) }],
    });
    expect(targetJob(crio, 0, service).target).toBe('crio');
  });

  it('jobLabel: the named label of the Service (or Pod), falling back to the default when empty (promcfg.go)', () => {
    const source = fs.readFileSync(path.join(FIXTURES, 'promcfg-job-relabelings.go.txt'), 'utf8');
    // The steps we generate are the ones the operator's code builds.
    expect(source).toContain('"__meta_kubernetes_service_label_" + sanitizeLabelName(m.Spec.JobLabel)');
    expect(source).toContain('{Key: "regex", Value: "(.+)"}');
    const sm = monitor('ServiceMonitor', 'coredns', { jobLabel: 'k8s-app', endpoints: [{ port: 'metrics' }] });
    expect(jobRelabelings(sm, 0)[2]).toEqual({
      source_labels: ['__meta_kubernetes_service_label_k8s_app'],
      target_label: 'job',
      regex: '(.+)',
      replacement: '$' + '{1}',
    });
    const withLabel = { namespace: 'kube-system', serviceName: 'kube-dns', serviceLabels: { 'k8s-app': 'coredns' } };
    expect(targetJob(sm, 0, withLabel).target).toBe('coredns');
    const withoutLabel = { namespace: 'kube-system', serviceName: 'kube-dns', serviceLabels: {} };
    expect(targetJob(sm, 0, withoutLabel).target).toBe('kube-dns');
    const pm = monitor('PodMonitor', 'agents', { jobLabel: 'app', podMetricsEndpoints: [{ port: 'metrics' }] });
    expect(targetJob(pm, 0, { namespace: 'default', podLabels: { app: 'agent-7' } }).target).toBe('agent-7');
    expect(targetJob(pm, 0, { namespace: 'default', podLabels: {} }).target).toBe('default/agents');
  });

  it('every rendered monitor sets its job to the conventions (or cluster-monitoring) name, whatever the Service is called', () => {
    const jobs = monitorJobs(kubernetesObjects(loadEnvironmentConfig('prod')));
    expect(jobs.every((j) => j.job !== undefined)).toBe(true);
    expect(new Set(jobs.map((j) => j.job))).toEqual(new Set([...Object.values(JOBS), ...Object.values(CLUSTER_JOBS)]));
  });

  it("an application's ServiceMonitor without a job relabeling depends on a Service name nobody here controls", () => {
    const kong = monitor('ServiceMonitor', 'kong', {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kong' } },
      namespaceSelector: { any: true },
      endpoints: [{ port: 'metrics' }],
    });
    expect(monitorJobs([kong])).toEqual([
      {
        monitor: 'kong',
        kind: 'ServiceMonitor',
        endpoint: 0,
        job: undefined,
        honorLabels: false,
        metricRelabelings: [],
      },
    ]);
  });
});
