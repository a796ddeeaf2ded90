import { componentPods, parseQuantity } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { THANOS_RULER_STORAGE } from '../k8s/thanos-ruler';

/**
 * Monthly list-price estimate of what an environment's configuration provisions (pure, from the config alone),
 * rendered into docs/deploy.md and kept in step by test/unit/platform/cost-estimate.test.ts. It counts what the
 * config fixes — nodes, NAT gateways, load balancers, volumes, the Fargate compactor — and names what depends on
 * traffic and data volume (S3, NAT and LB data processing, logs, Lambda, API Gateway) without guessing it.
 */

/** Hours in a month, as AWS pricing pages compute monthly figures (730). */
export const HOURS_PER_MONTH = 730;

/**
 * On-demand list prices in USD, eu-west-1 (Ireland), as published on the AWS pricing pages
 * (aws.amazon.com/eks/pricing, /ec2/pricing/on-demand, /vpc/pricing, /elasticloadbalancing/pricing,
 * /ebs/pricing, /fargate/pricing, /vpc/pricing "Public IPv4"), recorded by hand 2026-11 — the build does not
 * fetch them. Check them before budgeting; change them here and the docs table follows.
 */
export const PRICES: Readonly<Record<string, RegionPrices>> = {
  'eu-west-1': {
    eksClusterPerHour: 0.1,
    instancePerHour: { 'm6i.xlarge': 0.214, 'm7i.xlarge': 0.2247, 't4g.nano': 0.0046 },
    natGatewayPerHour: 0.048,
    publicIpv4PerHour: 0.005,
    networkLoadBalancerPerHour: 0.0252,
    gp3PerGiBMonth: 0.088,
    fargateVcpuPerHour: 0.04048,
    fargateGiBPerHour: 0.004445,
    fargateEphemeralGiBPerHourAbove20: 0.000111,
  },
};

export interface RegionPrices {
  readonly eksClusterPerHour: number;
  readonly instancePerHour: Readonly<Record<string, number>>;
  readonly natGatewayPerHour: number;
  readonly publicIpv4PerHour: number;
  readonly networkLoadBalancerPerHour: number;
  readonly gp3PerGiBMonth: number;
  readonly fargateVcpuPerHour: number;
  readonly fargateGiBPerHour: number;
  readonly fargateEphemeralGiBPerHourAbove20: number;
}

/** Assumption: an hourly compactor run takes 20 minutes on average (its real duration is in the Pushgateway). */
export const COMPACTOR_HOURS_PER_MONTH = HOURS_PER_MONTH / 3;
/** The Session Manager host (lib/constructs/cluster-access-host.ts) and its root volume. */
export const ACCESS_HOST = { instanceType: 't4g.nano', rootVolumeGiB: 8 } as const;

export interface CostLine {
  readonly item: string;
  /** What is counted, e.g. `3 × m6i.xlarge`. */
  readonly basis: string;
  readonly monthlyUsd: number;
}

export interface CostEstimate {
  readonly environment: string;
  readonly region: string;
  /** At rest: node groups at their minimum. */
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  /** The node line again with every group at its maximum, and the total with it. */
  readonly atMaxNodes: { readonly line: CostLine; readonly totalUsd: number };
}

const GI = 2 ** 30;
const gib = (quantity: string, field: string): number => {
  const bytes = parseQuantity(quantity);
  if (bytes === undefined) throw new Error(`${field}: "${quantity}" is not a quantity`);
  return bytes / GI;
};
const round = (usd: number) => Math.round(usd * 100) / 100;

/** The estimate of one environment. Throws for a region or instance type without prices. */
export function monthlyCostEstimate(config: EnvironmentConfig): CostEstimate {
  const prices = PRICES[config.region];
  if (!prices) {
    throw new Error(`no price list for region ${config.region}: add it to PRICES in lib/platform/cost-estimate.ts`);
  }
  const instanceType = config.nodeGroups.instanceTypes[0] as string;
  const nodePrice = prices.instancePerHour[instanceType];
  const hostPrice = prices.instancePerHour[ACCESS_HOST.instanceType];
  if (nodePrice === undefined || hostPrice === undefined) {
    throw new Error(
      `no price for ${nodePrice === undefined ? instanceType : ACCESS_HOST.instanceType} in ${config.region}`,
    );
  }
  const zones = config.availabilityZones.length;
  const { components } = config.sizing;
  const nodes = (perZone: number): CostLine => ({
    item: 'Nodes (on-demand)',
    basis: `${perZone * zones} × ${instanceType} (${perZone} per zone × ${zones} zones)`,
    monthlyUsd: round(perZone * zones * nodePrice * HOURS_PER_MONTH),
  });

  const volumes: [string, number, string][] = [
    ['Prometheus', components.prometheus.replicas, config.sizing.prometheus.storage],
    ['Store gateway', componentPods(config.sizing, 'thanosStore'), config.sizing.thanosStore.storage],
    ['Alertmanager', components.alertmanager.replicas, config.sizing.alertmanager.storage],
    ['Pushgateway', components.pushgateway.replicas, config.sizing.pushgateway.storage],
    ['Ruler', components.thanosRuler.replicas, THANOS_RULER_STORAGE],
  ];
  // Grafana on sqlite keeps its file on a PVC (lib/k8s/grafana-database.ts); on postgres it has none.
  if (config.grafana.database.engine === 'sqlite') volumes.push(['Grafana', 1, config.grafana.database.storage]);
  const pvcGiB = volumes.reduce((sum, [name, replicas, size]) => sum + replicas * gib(size, name), 0);
  const rootGiB = config.nodeGroups.minPerZone * zones * config.nodeGroups.rootVolumeGiB;
  const hostGiB = config.access.sessionManagerHost ? ACCESS_HOST.rootVolumeGiB : 0;

  const compactor = components.thanosCompactor.resources.limits;
  const vcpu = parseQuantity(compactor.cpu) ?? Number.NaN;
  const memoryGiB = gib(compactor.memory, 'thanosCompactor memory');
  const ephemeralGiB = gib(config.sizing.thanosCompactor.ephemeralStorage, 'thanosCompactor ephemeralStorage');
  const fargatePerHour =
    vcpu * prices.fargateVcpuPerHour +
    memoryGiB * prices.fargateGiBPerHour +
    Math.max(0, ephemeralGiB - 20) * prices.fargateEphemeralGiBPerHourAbove20;

  // One internal NLB per Pushgateway replica, one for the Thanos query-frontend, one for Grafana (the
  // LoadBalancer Services of lib/k8s; test/unit/platform/cost-estimate.test.ts counts them in the rendered objects).
  const loadBalancers = components.pushgateway.replicas + 2;
  const lines: CostLine[] = [
    { item: 'EKS control plane', basis: '1 cluster', monthlyUsd: round(prices.eksClusterPerHour * HOURS_PER_MONTH) },
    nodes(config.nodeGroups.minPerZone),
    {
      item: 'NAT gateways',
      basis: `${config.natGateways} × (gateway + its public IPv4); + data processed per GB`,
      monthlyUsd: round(config.natGateways * (prices.natGatewayPerHour + prices.publicIpv4PerHour) * HOURS_PER_MONTH),
    },
    {
      item: 'Internal NLBs',
      basis: `${loadBalancers} (${components.pushgateway.replicas} Pushgateway replicas + Thanos Query + Grafana); + LCUs`,
      monthlyUsd: round(loadBalancers * prices.networkLoadBalancerPerHour * HOURS_PER_MONTH),
    },
    {
      item: 'EBS gp3 volumes',
      basis: `${pvcGiB} GiB of PVCs + ${rootGiB + hostGiB} GiB of root volumes`,
      monthlyUsd: round((pvcGiB + rootGiB + hostGiB) * prices.gp3PerGiBMonth),
    },
    {
      item: 'Fargate compactor',
      basis: `${vcpu} vCPU / ${memoryGiB} GiB / ${ephemeralGiB} GiB scratch, ~${Math.round(COMPACTOR_HOURS_PER_MONTH)} h`,
      monthlyUsd: round(fargatePerHour * COMPACTOR_HOURS_PER_MONTH),
    },
  ];
  if (config.access.sessionManagerHost) {
    lines.push({
      item: 'Session Manager host',
      basis: `1 × ${ACCESS_HOST.instanceType}`,
      monthlyUsd: round(hostPrice * HOURS_PER_MONTH),
    });
  }
  const totalUsd = round(lines.reduce((sum, line) => sum + line.monthlyUsd, 0));
  const restNodes = nodes(config.nodeGroups.minPerZone).monthlyUsd;
  const maxNodes = nodes(config.nodeGroups.maxPerZone);
  const maxRootGiB =
    (config.nodeGroups.maxPerZone - config.nodeGroups.minPerZone) * zones * config.nodeGroups.rootVolumeGiB;
  return {
    environment: config.name,
    region: config.region,
    lines,
    totalUsd,
    atMaxNodes: {
      line: maxNodes,
      totalUsd: round(totalUsd - restNodes + maxNodes.monthlyUsd + maxRootGiB * prices.gp3PerGiBMonth),
    },
  };
}

const usd = (value: number) => `$${value.toFixed(2)}`;

/** The markdown docs/deploy.md carries between its cost-table markers, one table per environment. */
export function costTablesMarkdown(configs: readonly EnvironmentConfig[]): string {
  return configs
    .map((config) => {
      const estimate = monthlyCostEstimate(config);
      const rows = estimate.lines.map((line) => `| ${line.item} | ${line.basis} | ${usd(line.monthlyUsd)} |`);
      return [
        `#### ${estimate.environment} (${estimate.region})`,
        '',
        '| Item | Basis | USD / month |',
        '| --- | --- | ---: |',
        ...rows,
        `| **Total at rest** | node groups at their minimum | **${usd(estimate.totalUsd)}** |`,
        `| Total at max nodes | ${estimate.atMaxNodes.line.basis} | ${usd(estimate.atMaxNodes.totalUsd)} |`,
      ].join('\n');
    })
    .join('\n\n');
}

/** Markers around the generated tables in docs/deploy.md. */
export const COST_TABLE_BEGIN =
  '<!-- cost-table:begin (generated by `npm run docs:cost` from lib/config; do not edit) -->';
export const COST_TABLE_END = '<!-- cost-table:end -->';

/** `document` with the text between the markers replaced by `tables`. Throws when a marker is missing. */
export function withCostTables(document: string, tables: string): string {
  const begin = document.indexOf(COST_TABLE_BEGIN);
  const end = document.indexOf(COST_TABLE_END);
  if (begin < 0 || end < begin) throw new Error('docs/deploy.md has no cost-table markers');
  return `${document.slice(0, begin + COST_TABLE_BEGIN.length)}\n\n${tables}\n\n${document.slice(end)}`;
}
