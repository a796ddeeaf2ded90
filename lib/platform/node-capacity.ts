import { COMPONENTS, componentPods, parseQuantity, type StackSizing } from '../../lambdas/domain/sizing';

/**
 * Does the stateful node group fit the seed's sizing? Pure arithmetic over the environment's sizing table, so the
 * node group is sized from the same numbers the workloads request, and a sizing change that no longer fits stops
 * synth with a message instead of leaving pods Pending.
 */

export interface InstanceShape {
  readonly vcpus: number;
  readonly memoryGiB: number;
  /** Pods per node with the VPC CNI (ENIs × (IPs per ENI − 1) + 2). */
  readonly maxPods: number;
}

/** The node group's instance types (both 4 vCPU / 16 GiB; two types so a capacity shortage of one is survivable). */
export const INSTANCE_SHAPES: Readonly<Record<string, InstanceShape>> = {
  'm6i.xlarge': { vcpus: 4, memoryGiB: 16, maxPods: 58 },
  'm7i.xlarge': { vcpus: 4, memoryGiB: 16, maxPods: 58 },
};

const MI = 2 ** 20;
const GI = 2 ** 30;

/**
 * Requests of what runs on every node besides the workloads: DaemonSets (VPC CNI, kube-proxy, EBS CSI node,
 * node-exporter) — a deliberately generous estimate.
 */
export const DAEMONSET_REQUESTS_PER_NODE = { cpu: 0.25, memoryBytes: 512 * MI } as const;
/**
 * Requests of the cluster add-ons and operators that are not in the sizing table: CoreDNS x2, load balancer
 * controller x2, ExternalDNS, ESO x2 (+ webhook, cert controller), cert-manager x2 (+ webhook, cainjector),
 * prometheus-operator, kube-state-metrics, Thanos sidecars and config reloaders.
 */
export const PLATFORM_OVERHEAD_REQUESTS = { cpu: 1.5, memoryBytes: 3 * GI } as const;

/** Allocatable CPU (cores) and memory (bytes) of a node, with EKS' kube-reserved formula and 100Mi eviction. */
export function allocatable(shape: InstanceShape): { cpu: number; memoryBytes: number } {
  // CPU reserve: 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% above.
  const coreShares = [0.06, 0.01, 0.005, 0.005];
  let reservedCpu = 0;
  for (let core = 0; core < shape.vcpus; core++) reservedCpu += coreShares[core] ?? 0.0025;
  const reservedMemory = (255 + 11 * shape.maxPods) * MI + 100 * MI;
  return { cpu: shape.vcpus - reservedCpu, memoryBytes: shape.memoryGiB * GI - reservedMemory };
}

/** Sum of the requests of every component that runs on the node group (the compactor runs on Fargate). */
export function nodeGroupRequests(sizing: StackSizing): { cpu: number; memoryBytes: number } {
  let cpu = 0;
  let memoryBytes = 0;
  for (const name of COMPONENTS) {
    if (name === 'thanosCompactor') continue;
    const component = sizing.components[name];
    const pods = componentPods(sizing, name);
    cpu += pods * (parseQuantity(component.resources.requests.cpu) ?? Number.NaN);
    memoryBytes += pods * (parseQuantity(component.resources.requests.memory) ?? Number.NaN);
  }
  return { cpu, memoryBytes };
}

const gib = (bytes: number) => `${(bytes / GI).toFixed(1)}Gi`;

/**
 * Problems of running `sizing` on `minSize` nodes of `instanceType`; empty means it fits:
 * - the workloads' requests plus the platform overhead fit on `minSize - 1` nodes (a node or zone may be lost);
 * - every single pod's limits fit one node (Prometheus at its memory limit must not be unschedulable);
 * - `minSize` exceeds the Prometheus replicas (required anti-affinity: one replica per node, plus one spare).
 */
export function nodeGroupProblems(
  sizing: StackSizing,
  nodeGroup: { readonly instanceType: string; readonly minSize: number },
): string[] {
  const shape = INSTANCE_SHAPES[nodeGroup.instanceType];
  if (!shape) {
    return [`instance type ${nodeGroup.instanceType} has no known shape: add it to INSTANCE_SHAPES`];
  }
  const problems: string[] = [];
  const node = allocatable(shape);
  const usable = {
    cpu: node.cpu - DAEMONSET_REQUESTS_PER_NODE.cpu,
    memoryBytes: node.memoryBytes - DAEMONSET_REQUESTS_PER_NODE.memoryBytes,
  };
  const requests = nodeGroupRequests(sizing);
  const needed = {
    cpu: requests.cpu + PLATFORM_OVERHEAD_REQUESTS.cpu,
    memoryBytes: requests.memoryBytes + PLATFORM_OVERHEAD_REQUESTS.memoryBytes,
  };
  const surviving = nodeGroup.minSize - 1;
  if (needed.cpu > usable.cpu * surviving) {
    problems.push(
      `cpu: the components request ${needed.cpu.toFixed(2)} cores (platform overhead included), more than ${surviving} ${nodeGroup.instanceType} nodes offer (${(usable.cpu * surviving).toFixed(2)}) after losing one of ${nodeGroup.minSize}`,
    );
  }
  if (needed.memoryBytes > usable.memoryBytes * surviving) {
    problems.push(
      `memory: the components request ${gib(needed.memoryBytes)} (platform overhead included), more than ${surviving} ${nodeGroup.instanceType} nodes offer (${gib(usable.memoryBytes * surviving)}) after losing one of ${nodeGroup.minSize}`,
    );
  }
  for (const name of COMPONENTS) {
    if (name === 'thanosCompactor') continue;
    const limits = sizing.components[name].resources.limits;
    const memory = parseQuantity(limits.memory) ?? Number.NaN;
    const cpu = parseQuantity(limits.cpu) ?? Number.NaN;
    if (memory > usable.memoryBytes || cpu > usable.cpu) {
      problems.push(
        `components.${name}.resources.limits: ${limits.cpu} / ${limits.memory} do not fit one ${nodeGroup.instanceType} node (${usable.cpu.toFixed(2)} cores / ${gib(usable.memoryBytes)} allocatable)`,
      );
    }
  }
  const prometheusReplicas = sizing.components.prometheus.replicas;
  if (nodeGroup.minSize <= prometheusReplicas) {
    problems.push(
      `minSize: ${nodeGroup.minSize} nodes leave no spare for ${prometheusReplicas} Prometheus replicas with required anti-affinity (one per node); use at least ${prometheusReplicas + 1}`,
    );
  }
  return problems;
}
