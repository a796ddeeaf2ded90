import { SEED_SIZING, type StackSizing } from '../../../lambdas/domain/sizing';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../../lib/config';
import {
  allocatable,
  nodeGroupProblems,
  nodeGroupRequests,
  PLATFORM_OVERHEAD_REQUESTS,
} from '../../../lib/platform/node-capacity';

const GI = 2 ** 30;

function withPrometheus(resources: StackSizing['components']['prometheus']['resources']): StackSizing {
  return {
    ...SEED_SIZING,
    components: { ...SEED_SIZING.components, prometheus: { ...SEED_SIZING.components.prometheus, resources } },
  };
}

describe('the stateful node group capacity', () => {
  it('adds up the seed requests of the components on the node group, without the compactor (Fargate)', () => {
    const requests = nodeGroupRequests(SEED_SIZING);
    // 2x each: prometheus 500m/2Gi, query 250m/512Mi, frontend 100m/256Mi, store 250m/1Gi, ruler 250m/512Mi,
    // alertmanager 100m/256Mi, pushgateway 100m/128Mi, grafana 100m/256Mi.
    expect(requests.cpu).toBeCloseTo(2 * (0.5 + 0.25 + 0.1 + 0.25 + 0.25 + 0.1 + 0.1 + 0.1), 6);
    expect(requests.memoryBytes).toBe(2 * (2048 + 512 + 256 + 1024 + 512 + 256 + 128 + 256) * 2 ** 20);
  });

  it('reserves what EKS reserves on an m6i.xlarge (80m CPU, 893Mi kube + 100Mi eviction)', () => {
    const node = allocatable({ vcpus: 4, memoryGiB: 16, maxPods: 58 });
    expect(node.cpu).toBeCloseTo(3.92, 6);
    expect(node.memoryBytes).toBe(16 * GI - (255 + 11 * 58 + 100) * 2 ** 20);
  });

  it.each(ENVIRONMENT_NAMES)('fits the %s sizing on 3 m6i.xlarge nodes, even after losing one', (env) => {
    expect(nodeGroupProblems(loadEnvironmentConfig(env).sizing, { instanceType: 'm6i.xlarge', minSize: 3 })).toEqual(
      [],
    );
  });

  it('refuses a Prometheus whose memory limit fits no node', () => {
    const sizing = withPrometheus({
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { cpu: '2000m', memory: '32Gi' },
    });
    expect(nodeGroupProblems(sizing, { instanceType: 'm6i.xlarge', minSize: 3 })).toEqual([
      expect.stringMatching(
        /^components\.prometheus\.resources\.limits: 2000m \/ 32Gi do not fit one m6i\.xlarge node/,
      ),
    ]);
  });

  it('refuses requests that two surviving nodes cannot hold', () => {
    const sizing = withPrometheus({ requests: { cpu: '3', memory: '12Gi' }, limits: { cpu: '3', memory: '12Gi' } });
    const problems = nodeGroupProblems(sizing, { instanceType: 'm6i.xlarge', minSize: 3 });
    expect(problems).toEqual([
      // 3.3 cores seed requests + 2 x 2.5 more for Prometheus + 1.5 overhead; 2 x (3.92 - 0.25) cores usable.
      'cpu: the components request 9.80 cores (platform overhead included), more than 2 m6i.xlarge nodes offer (7.34) after losing one of 3',
      // 9.75Gi seed requests + 2 x 10Gi more for Prometheus + 3Gi overhead; 2 x (16Gi - 993Mi reserved - 512Mi DaemonSets).
      'memory: the components request 32.8Gi (platform overhead included), more than 2 m6i.xlarge nodes offer (29.1Gi) after losing one of 3',
    ]);
    expect(PLATFORM_OVERHEAD_REQUESTS.cpu).toBe(1.5);
  });

  it('needs a spare node beyond the Prometheus replicas (required anti-affinity)', () => {
    expect(nodeGroupProblems(SEED_SIZING, { instanceType: 'm6i.xlarge', minSize: 2 })).toContain(
      'minSize: 2 nodes leave no spare for 2 Prometheus replicas with required anti-affinity (one per node); use at least 3',
    );
  });

  it('names an instance type it cannot size', () => {
    expect(nodeGroupProblems(SEED_SIZING, { instanceType: 't3.micro', minSize: 3 })).toEqual([
      'instance type t3.micro has no known shape: add it to INSTANCE_SHAPES',
    ]);
  });
});
