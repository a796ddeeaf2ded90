import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { ClusterWorkloads } from '../../lib/constructs/cluster-workloads';
import { ObservabilityCluster } from '../../lib/constructs/observability-cluster';
import type { HelmRelease, KubernetesObject } from '../../lib/k8s/types';
import { OWN_MANIFEST_ANNOTATION } from '../../lib/platform/apply-plan';
import { newTestApp } from '../support/cdk';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

const release = (name: string, namespace = 'monitoring'): HelmRelease => ({
  release: name,
  namespace,
  repository: 'https://charts.example.com',
  chart: name,
  version: '1.2.3',
  values: { replicas: 2 },
});
const object = (apiVersion: string, kind: string, name: string, namespace?: string): KubernetesObject => ({
  apiVersion,
  kind,
  metadata: namespace ? { name, namespace } : { name },
});

function build(objects: KubernetesObject[], releases: HelmRelease[]) {
  const app = newTestApp();
  const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    natGateways: 1,
  });
  const { cluster, nodeGroups } = new ObservabilityCluster(stack, 'Eks', {
    clusterName: 'greenlang-test',
    vpc,
    ebsCsiRoleName: 'greenlang-test-ebs-csi-driver',
  });
  const workloads = new ClusterWorkloads(stack, 'Workloads', {
    cluster,
    baseObjects: [object('storage.k8s.io/v1', 'StorageClass', 'gp3')],
    addonReleases: [
      release('cert-manager', 'cert-manager'),
      release('aws-load-balancer-controller', 'kube-system'),
      release('external-secrets', 'external-secrets'),
    ],
    addonObjects: [object('external-secrets.io/v1', 'ClusterSecretStore', 'aws-secrets-manager')],
    releases,
    objects,
    serviceWebhookRelease: 'aws-load-balancer-controller',
    releasesDependOn: nodeGroups,
  });
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, Resource>;
  // The logical id of the custom resource (helm release or manifest) inside a construct.
  const idOf = (construct: IConstruct) => {
    const resource = construct.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c));
    if (!resource) throw new Error(`no CloudFormation resource under ${construct.node.path}`);
    return stack.getLogicalId(resource);
  };
  return { stack, workloads, template, resources, idOf, nodeGroupIds: nodeGroups.map(idOf) };
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

const manifestObjects = (resource: Resource | undefined) =>
  (JSON.parse(String(resource?.Properties.Manifest)) as KubernetesObject[]).map((o) => `${o.kind}/${o.metadata.name}`);

describe('ClusterWorkloads', () => {
  const namespace = object('v1', 'Namespace', 'monitoring');
  const monitors = Array.from({ length: 30 }, (_, i) =>
    object('monitoring.coreos.com/v1', 'ServiceMonitor', `m${i}`, 'monitoring'),
  );
  const service = object('v1', 'Service', 'pushgateway-0', 'monitoring');
  const shard = (i: number): KubernetesObject => ({
    ...object('apps/v1', 'StatefulSet', `thanos-store-shard-${i}`, 'monitoring'),
    metadata: {
      name: `thanos-store-shard-${i}`,
      namespace: 'monitoring',
      annotations: { [OWN_MANIFEST_ANNOTATION]: 'store-gateways' },
    },
  });
  const built = build([namespace, service, shard(0), ...monitors, shard(1)], [release('kube-prometheus-stack')]);
  const { workloads, resources, idOf } = built;
  const dependsOn = (construct: IConstruct) => resources[idOf(construct)]?.DependsOn ?? [];

  it('applies namespaces and base objects first, in one manifest', () => {
    expect(manifestObjects(resources[idOf(workloads.baseManifest)])).toEqual([
      'Namespace/monitoring',
      'StorageClass/gp3',
    ]);
  });

  it('installs every release after the base manifest and the node group its pods run on, waiting under 15 minutes', () => {
    for (const chart of [...workloads.addonCharts, ...workloads.charts]) {
      expect(dependsOn(chart)).toEqual(expect.arrayContaining([idOf(workloads.baseManifest), ...built.nodeGroupIds]));
      expect(resources[idOf(chart)]?.Properties).toMatchObject({ Wait: true, Timeout: '600s', CreateNamespace: true });
    }
  });

  it('installs the load balancer controller (Service webhook, failurePolicy Fail) before every other add-on release', () => {
    const gate = defined(workloads.serviceWebhookChart, 'the Service webhook chart');
    expect(resources[idOf(gate)]?.Properties.Release).toBe('aws-load-balancer-controller');
    const others = workloads.addonCharts.filter((c) => c !== gate);
    expect(others).toHaveLength(2);
    for (const other of others) {
      expect(dependsOn(other)).toContain(idOf(gate));
      expect(dependsOn(gate)).not.toContain(idOf(other));
    }
  });

  it('refuses a Service webhook release that is not an add-on release', () => {
    const app = newTestApp();
    const stack = new Stack(app, 'Gate', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
    const { cluster } = new ObservabilityCluster(stack, 'Eks', {
      clusterName: 'greenlang-test',
      vpc,
      ebsCsiRoleName: 'greenlang-test-ebs-csi-driver',
    });
    expect(
      () =>
        new ClusterWorkloads(stack, 'Workloads', {
          cluster,
          baseObjects: [],
          addonReleases: [release('cert-manager', 'cert-manager')],
          addonObjects: [],
          releases: [],
          objects: [namespace],
          serviceWebhookRelease: 'aws-load-balancer-controller',
        }),
    ).toThrow(
      'ClusterWorkloads Workloads: serviceWebhookRelease "aws-load-balancer-controller" is not one of the add-on releases',
    );
  });

  it('installs the workload releases after every add-on release (CRDs and the load balancer webhook)', () => {
    const workloadChart = defined(workloads.charts[0], 'the workload chart');
    expect(dependsOn(workloadChart)).toEqual(expect.arrayContaining(workloads.addonCharts.map(idOf)));
    expect(resources[idOf(workloadChart)]?.Properties).toMatchObject({
      Release: 'kube-prometheus-stack',
      Chart: 'kube-prometheus-stack',
      Version: '1.2.3',
      Repository: 'https://charts.example.com',
      Namespace: 'monitoring',
      Values: JSON.stringify({ replicas: 2 }),
    });
  });

  it('applies the add-on objects after the add-on releases that define their CRDs', () => {
    const addonManifest = defined(workloads.addonManifest, 'the add-on manifest');
    expect(manifestObjects(resources[idOf(addonManifest)])).toEqual(['ClusterSecretStore/aws-secrets-manager']);
    expect(dependsOn(addonManifest)).toEqual(expect.arrayContaining(workloads.addonCharts.map(idOf)));
  });

  it('applies every other object, in order and in chunks, after all releases and the add-on objects', () => {
    expect(workloads.manifests).toHaveLength(2);
    const applied = workloads.manifests.flatMap((m) => manifestObjects(resources[idOf(m)]));
    expect(applied).toEqual(['Service/pushgateway-0', ...monitors.map((m) => `ServiceMonitor/${m.metadata.name}`)]);
    const everyRelease = [...workloads.addonCharts, ...workloads.charts].map(idOf);
    for (const manifest of [...workloads.ownManifests, ...workloads.manifests]) {
      expect(dependsOn(manifest)).toEqual(
        expect.arrayContaining([...everyRelease, idOf(defined(workloads.addonManifest, 'the add-on manifest'))]),
      );
    }
  });

  it('applies objects whose number follows the config in their own manifest, before the chunks, which go in order', () => {
    // An object moving to an earlier chunk (one removed before it) or into an own manifest is applied there before
    // the chunk it left prunes it: so the chunks wait for the own manifests and each for the one before it.
    expect(workloads.ownManifests.map((m) => manifestObjects(resources[idOf(m)]))).toEqual([
      ['StatefulSet/thanos-store-shard-0', 'StatefulSet/thanos-store-shard-1'],
    ]);
    const [first, second] = workloads.manifests.map((m) => dependsOn(m));
    const own = workloads.ownManifests.map(idOf);
    expect(first).toEqual(expect.arrayContaining(own));
    expect(second).toEqual(expect.arrayContaining([...own, idOf(defined(workloads.manifests[0], 'chunk 0'))]));
    expect(first).not.toContain(idOf(defined(workloads.manifests[1], 'chunk 1')));
  });

  it('refuses two releases with one name', () => {
    expect(() => build([namespace], [release('cert-manager')])).toThrow(
      'ClusterWorkloads Workloads: two Helm releases named "cert-manager"',
    );
  });
});
