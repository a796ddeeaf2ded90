import { loadEnvironmentConfig } from '../../../lib/config';
import { contractTargets, keptByName } from '../../../lib/contract/targets';
import { kubernetesObjects } from '../../../lib/k8s';
import { CLUSTER_JOBS } from '../../../lib/k8s/cluster-jobs';
import { CADVISOR_METRICS } from '../../../lib/k8s/cluster-monitoring';

const config = loadEnvironmentConfig('prod');
const objects = kubernetesObjects(config);
const cited = (...names: string[]) => ({ cited: names.map((name) => ({ name, source: 'test' })) });

describe('contract targets', () => {
  it("drops the names an endpoint's metricRelabelings do not keep (cAdvisor keeps only what is read)", () => {
    // container_memory_usage_bytes is a real cAdvisor series (google/cadvisor metrics/prometheus.go), but the
    // cadvisor endpoint keeps CADVISOR_METRICS only: a query on it would come back empty in the cluster.
    const targets = contractTargets(config, objects, new Map(), {
      [CLUSTER_JOBS.cadvisor]: cited('container_memory_usage_bytes', 'container_memory_working_set_bytes'),
    });
    const cadvisor = targets.find((t) => t.job === CLUSTER_JOBS.cadvisor);
    expect(CADVISOR_METRICS).not.toContain('container_memory_usage_bytes');
    expect(cadvisor?.names.has('container_memory_working_set_bytes')).toBe(true);
    expect(cadvisor?.names.has('container_memory_usage_bytes')).toBe(false);
    // The synthetic scrape series are added after metric relabeling: `up` stays.
    expect(cadvisor?.names.has('up')).toBe(true);
  });

  it('decides by name only on keep/drop steps that read __name__ alone', () => {
    const steps = [
      { action: 'keep', source_labels: ['__name__'], regex: 'a_.*|b' },
      { action: 'drop', source_labels: ['__name__'], regex: 'a_debug' },
      // Depends on a label the contract does not model: not a decision by name.
      { action: 'drop', source_labels: ['pod'], regex: '.*' },
    ];
    expect(['a_x', 'b', 'a_debug', 'c'].filter((n) => keptByName(n, steps))).toEqual(['a_x', 'b']);
  });

  it('has the alert series of the rule managers under no job', () => {
    const alerts = contractTargets(config, objects, new Map()).find((t) => t.names.has('ALERTS'));
    expect(alerts?.job).toBe('');
    expect(alerts?.names.has('ALERTS_FOR_STATE')).toBe(true);
  });
});
