import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../../lib/config';
import { kubernetesObjects } from '../../../lib/k8s';
import { PROJECT_ROOT } from '../../../lib/paths';
import {
  COST_TABLE_BEGIN,
  COST_TABLE_END,
  costTablesMarkdown,
  HOURS_PER_MONTH,
  monthlyCostEstimate,
  PRICES,
  withCostTables,
} from '../../../lib/platform/cost-estimate';

const configs = ENVIRONMENT_NAMES.map((name) => loadEnvironmentConfig(name));
const prices = PRICES['eu-west-1'];
const lineOf = (estimate: ReturnType<typeof monthlyCostEstimate>, item: string) => {
  const line = estimate.lines.find((l) => l.item === item);
  if (!line) throw new Error(`no line ${item}`);
  return line;
};

describe('the monthly cost estimate', () => {
  it('is what docs/deploy.md shows (run `npm run docs:cost` after changing a config)', () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');
    expect(doc).toContain(COST_TABLE_BEGIN);
    expect(doc).toContain(COST_TABLE_END);
    expect(withCostTables(doc, costTablesMarkdown(configs))).toBe(doc);
  });

  it('counts nodes, NAT gateways and load balancers from the config', () => {
    const prod = loadEnvironmentConfig('prod');
    const estimate = monthlyCostEstimate(prod);
    const nodes = prod.nodeGroups.minPerZone * prod.availabilityZones.length;
    expect(lineOf(estimate, 'Nodes (on-demand)').monthlyUsd).toBeCloseTo(
      nodes * (prices?.instancePerHour['m6i.xlarge'] ?? Number.NaN) * HOURS_PER_MONTH,
      2,
    );
    expect(lineOf(estimate, 'NAT gateways').basis).toMatch(/^3 × /);
    expect(lineOf(estimate, 'Internal NLBs').basis).toMatch(/^4 \(2 Pushgateway replicas \+ Thanos Query \+ Grafana\)/);
    const total = estimate.lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
    expect(estimate.totalUsd).toBeCloseTo(total, 2);
  });

  it.each(configs)('counts one NLB per LoadBalancer Service the $name cluster runs', (config) => {
    const services = kubernetesObjects(config).filter(
      (o) => o.kind === 'Service' && (o as { spec?: { type?: string } }).spec?.type === 'LoadBalancer',
    );
    expect(services.length).toBeGreaterThanOrEqual(3);
    expect(lineOf(monthlyCostEstimate(config), 'Internal NLBs').basis).toMatch(new RegExp(`^${services.length} \\(`));
  });

  it("counts Grafana's sqlite volume only where Grafana keeps its database on a PVC", () => {
    const dev = loadEnvironmentConfig('dev');
    const staging = loadEnvironmentConfig('staging');
    const pvcGiB = (config: typeof dev) =>
      Number(/^(\d+) GiB of PVCs/.exec(lineOf(monthlyCostEstimate(config), 'EBS gp3 volumes').basis)?.[1]);
    expect(dev.grafana.database).toEqual({ engine: 'sqlite', storage: '5Gi' });
    const onPostgres = { ...dev, grafana: { ...dev.grafana, database: staging.grafana.database } };
    expect(pvcGiB(dev) - pvcGiB(onPostgres)).toBe(5);
  });

  it('follows a config change: one more NAT gateway, more nodes per zone, no host', () => {
    const dev = loadEnvironmentConfig('dev');
    const base = monthlyCostEstimate(dev);
    const changed = monthlyCostEstimate({
      ...dev,
      natGateways: 2,
      nodeGroups: { ...dev.nodeGroups, minPerZone: 2, maxPerZone: 3 },
      access: { ...dev.access, sessionManagerHost: false, publicEndpointCidrs: ['203.0.113.0/24'] },
    });
    expect(lineOf(changed, 'NAT gateways').monthlyUsd).toBeCloseTo(2 * lineOf(base, 'NAT gateways').monthlyUsd, 1);
    expect(lineOf(changed, 'Nodes (on-demand)').monthlyUsd).toBeCloseTo(
      2 * lineOf(base, 'Nodes (on-demand)').monthlyUsd,
      1,
    );
    expect(changed.lines.map((l) => l.item)).not.toContain('Session Manager host');
    expect(changed.atMaxNodes.line.basis).toBe('9 × m6i.xlarge (3 per zone × 3 zones)');
    expect(changed.atMaxNodes.totalUsd).toBeGreaterThan(changed.totalUsd);
  });

  it('refuses a region without a price list, naming where to add it', () => {
    const dev = loadEnvironmentConfig('dev', {
      context: { region: 'eu-central-1', availabilityZones: 'eu-central-1a,eu-central-1b,eu-central-1c' },
    });
    expect(() => monthlyCostEstimate(dev)).toThrow(
      'no price list for region eu-central-1: add it to PRICES in lib/platform/cost-estimate.ts',
    );
  });
});
