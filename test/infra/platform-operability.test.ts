import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildEnvironment } from '../../lib/app';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../lib/config';
import { ADMIN_ACCESS_POLICY, READ_ONLY_ACCESS_POLICY } from '../../lib/constructs/observability-cluster';
import { irsaRoleName } from '../../lib/naming';
import {
  ADDON_CHARTS,
  ADDON_IRSA_SUBJECTS,
  CLUSTER_AUTOSCALER_IMAGE,
  irsaRoleArn,
  VPC_CNI_CONFIGURATION,
} from '../../lib/platform/addons';
import { newTestApp, synthesizeEnvironment } from '../support/cdk';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Resources = Record<string, Resource>;

const ofType = (resources: Resources, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type) as [string, Resource][];

/** Every resource `id` waits for, directly or through others (CloudFormation DependsOn and Ref/GetAtt). */
function dependenciesOf(resources: Resources, id: string): Set<string> {
  const direct = (rid: string): string[] => {
    const resource = resources[rid];
    if (!resource) return [];
    const refs = [...JSON.stringify(resource.Properties ?? {}).matchAll(/"(?:Ref|Fn::GetAtt)":\["?([A-Za-z0-9]+)/g)];
    return [...(resource.DependsOn ?? []), ...refs.map((m) => m[1] as string)].filter((d) => d in resources);
  };
  const seen = new Set<string>();
  const queue = direct(id);
  while (queue.length > 0) {
    const next = queue.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...direct(next));
  }
  return seen;
}

describe.each(ENVIRONMENT_NAMES)('the %s platform, operable from week one', (env) => {
  const config = loadEnvironmentConfig(env);
  const synthesized = synthesizeEnvironment(env);
  const template = synthesized.template(synthesized.stacks.platform);
  const resources = template.toJSON().Resources as Resources;
  const charts = ofType(resources, 'Custom::AWSCDK-EKS-HelmChart');
  const chartId = (release: string) => {
    const found = charts.find(([, c]) => c.Properties.Release === release);
    if (!found) throw new Error(`no Helm release ${release}`);
    return found[0];
  };
  const nodeGroups = ofType(resources, 'AWS::EKS::Nodegroup');

  describe('network policies', () => {
    it('are enforced: the vpc-cni add-on runs with enableNetworkPolicy "true", before any node joins', () => {
      const addons = ofType(resources, 'AWS::EKS::Addon').filter(([, a]) => a.Properties.AddonName === 'vpc-cni');
      expect(addons).toHaveLength(1);
      const [addonId, addon] = addons[0] as [string, Resource];
      const values = JSON.parse(String(addon.Properties.ConfigurationValues)) as Record<string, unknown>;
      expect(values).toEqual(VPC_CNI_CONFIGURATION);
      expect(values.enableNetworkPolicy).toBe('true');
      expect(addon.Properties.ResolveConflicts).toBe('OVERWRITE');
      expect(nodeGroups.length).toBeGreaterThan(0);
      for (const [, group] of nodeGroups) expect(group.DependsOn).toContain(addonId);
    });
  });

  describe('first deploy order', () => {
    const gate = chartId(ADDON_CHARTS.awsLoadBalancerController.release);

    it('installs the load balancer controller (Service webhook, failurePolicy Fail) before every other chart', () => {
      const others = charts.filter(([id]) => id !== gate);
      expect(others.length).toBeGreaterThanOrEqual(Object.keys(ADDON_CHARTS).length + 1);
      for (const [id] of others) expect(dependenciesOf(resources, id)).toContain(gate);
      const gateDependencies = dependenciesOf(resources, gate);
      for (const [id] of others) expect(gateDependencies).not.toContain(id);
    });

    it('creates no Service before the controller is installed', () => {
      // A manifest holding a deploy-time value (a certificate ARN in a Service's annotations) is an Fn::Join of
      // JSON text parts and tokens: its text parts still carry the kinds.
      const manifestText = (manifest: unknown): string =>
        typeof manifest === 'string'
          ? manifest
          : ((manifest as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? [])
              .filter((part) => typeof part === 'string')
              .join('');
      const withServices = ofType(resources, 'Custom::AWSCDK-EKS-KubernetesResource').filter(([, m]) =>
        manifestText(m.Properties.Manifest).includes('"kind":"Service"'),
      );
      expect(withServices.length).toBeGreaterThan(0);
      for (const [id] of withServices) expect(dependenciesOf(resources, id)).toContain(gate);
    });

    it('waits for the controller to be ready (helm --wait) within the kubectl handler limit', () => {
      expect(resources[gate]?.Properties).toMatchObject({ Wait: true, Timeout: '600s' });
    });
  });

  describe('access', () => {
    const entries = ofType(resources, 'AWS::EKS::AccessEntry');
    const entryOf = (roleName: string) =>
      entries.find(([, e]) => e.Properties.PrincipalArn === `arn:aws:iam::${config.account}:role/${roleName}`)?.[1];
    const policyOf = (entry: Resource | undefined) =>
      ((entry?.Properties.AccessPolicies ?? []) as { AccessScope: unknown; PolicyArn: unknown }[]).map((p) => ({
        scope: p.AccessScope,
        policy: JSON.stringify(p.PolicyArn).match(/cluster-access-policy\/(\w+)/)?.[1],
      }));

    it('gives each configured admin role cluster-admin and each read-only role view, cluster-wide, and nobody else', () => {
      expect(entries).toHaveLength(config.access.adminRoleNames.length + config.access.readOnlyRoleNames.length);
      for (const name of config.access.adminRoleNames) {
        expect(policyOf(entryOf(name))).toEqual([{ scope: { Type: 'cluster' }, policy: ADMIN_ACCESS_POLICY }]);
      }
      for (const name of config.access.readOnlyRoleNames) {
        expect(policyOf(entryOf(name))).toEqual([{ scope: { Type: 'cluster' }, policy: READ_ONLY_ACCESS_POLICY }]);
      }
    });

    it('has a way in: a Session Manager host with no inbound rule, admitted to the API endpoint on 443 only', () => {
      expect(config.access.sessionManagerHost).toBe(true);
      const instances = ofType(resources, 'AWS::EC2::Instance');
      expect(instances).toHaveLength(1);
      const [instanceId, instance] = instances[0] as [string, Resource];
      expect(instance.Properties).toMatchObject({
        InstanceType: 't4g.nano',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3' } }],
      });
      const hostGroup = (instance.Properties.SecurityGroupIds as { 'Fn::GetAtt': [string, string] }[])[0]?.[
        'Fn::GetAtt'
      ][0] as string;
      const group = resources[hostGroup] as Resource;
      expect(group.Properties.SecurityGroupIngress).toBeUndefined();
      expect(group.Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
      ]);
      const ingressFromHost = ofType(resources, 'AWS::EC2::SecurityGroupIngress').filter(
        ([, r]) =>
          JSON.stringify(r.Properties.SourceSecurityGroupId) ===
          JSON.stringify({ 'Fn::GetAtt': [hostGroup, 'GroupId'] }),
      );
      expect(ingressFromHost.length).toBeGreaterThan(0);
      for (const [, rule] of ingressFromHost) expect(rule.Properties).toMatchObject({ FromPort: 443, ToPort: 443 });
      expect(ingressFromHost.map(([, r]) => JSON.stringify(r.Properties.GroupId)).join()).toMatch(
        /ControlPlaneSecurityGroup/,
      );
      expect(
        ofType(resources, 'AWS::EC2::SecurityGroupIngress').filter(
          ([, r]) => JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [hostGroup, 'GroupId'] }),
        ),
      ).toEqual([]);
      // IMDSv2 only on the host too.
      const hostTemplate = Object.values(resources).find(
        (r) =>
          r.Type === 'AWS::EC2::LaunchTemplate' &&
          JSON.stringify(instance.Properties.LaunchTemplate).includes(String(r.Properties.LaunchTemplateName)),
      );
      expect(hostTemplate?.Properties.LaunchTemplateData).toMatchObject({
        MetadataOptions: { HttpTokens: 'required' },
      });
      template.hasOutput('AccessHostInstanceId', { Value: { Ref: instanceId } });
    });
  });

  describe('nodes', () => {
    it('are one group per zone, each able to grow (max > min) and using the encrypted-gp3, IMDSv2-only launch template', () => {
      expect(nodeGroups).toHaveLength(config.availabilityZones.length);
      const templates = ofType(resources, 'AWS::EC2::LaunchTemplate').filter(
        ([, t]) => !t.Properties.LaunchTemplateName,
      );
      expect(templates).toHaveLength(1);
      const [templateId, launchTemplate] = templates[0] as [string, Resource];
      expect(launchTemplate.Properties.LaunchTemplateData).toEqual({
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              VolumeSize: config.nodeGroups.rootVolumeGiB,
              VolumeType: 'gp3',
              Encrypted: true,
              DeleteOnTermination: true,
            },
          },
        ],
        MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      });
      const roles = new Set<string>();
      for (const [, group] of nodeGroups) {
        expect(group.Properties.LaunchTemplate).toEqual({
          Id: { Ref: templateId },
          Version: { 'Fn::GetAtt': [templateId, 'LatestVersionNumber'] },
        });
        // With a launch template, the volume comes from it: no DiskSize on the group.
        expect(group.Properties.DiskSize).toBeUndefined();
        const scaling = group.Properties.ScalingConfig as { MinSize: number; MaxSize: number };
        expect(scaling.MaxSize).toBeGreaterThan(scaling.MinSize);
        roles.add(JSON.stringify(group.Properties.NodeRole));
      }
      expect(roles.size).toBe(1);
    });

    it("are grown by the Cluster Autoscaler (pinned chart and image, IRSA, balanced zones) that may resize only this cluster's groups", () => {
      const [, chart] = charts.find(([, c]) => c.Properties.Release === ADDON_CHARTS.clusterAutoscaler.release) as [
        string,
        Resource,
      ];
      expect(chart.Properties).toMatchObject({
        Chart: 'cluster-autoscaler',
        Version: ADDON_CHARTS.clusterAutoscaler.version,
        Namespace: 'kube-system',
      });
      const values = JSON.parse(String(chart.Properties.Values)) as Record<string, unknown>;
      expect(values).toMatchObject({
        cloudProvider: 'aws',
        awsRegion: config.region,
        autoDiscovery: { clusterName: config.clusterName },
        image: CLUSTER_AUTOSCALER_IMAGE,
        rbac: {
          serviceAccount: {
            name: 'cluster-autoscaler',
            annotations: { 'eks.amazonaws.com/role-arn': irsaRoleArn(config, 'cluster-autoscaler') },
          },
        },
        extraArgs: expect.objectContaining({ 'balance-similar-node-groups': true }),
      });
      expect(CLUSTER_AUTOSCALER_IMAGE.tag).toMatch(/^v1\.35\.\d+$/);
      const [roleId] = Object.entries(
        template.findResources('AWS::IAM::Role', {
          Properties: Match.objectLike({
            RoleName: irsaRoleName(env, ADDON_IRSA_SUBJECTS.clusterAutoscaler.roleIdentity),
          }),
        }),
      )[0] as [string, unknown];
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: roleId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
              Condition: {
                StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${config.clusterName}`]: 'owned' },
              },
            }),
          ]),
        },
      });
    });
  });
});

describe('a public endpoint instead of the Session Manager host', () => {
  it('admits only the configured CIDRs and runs no host', () => {
    const dev = loadEnvironmentConfig('dev');
    const app = newTestApp();
    const stacks = buildEnvironment(app, {
      ...dev,
      access: { ...dev.access, sessionManagerHost: false, publicEndpointCidrs: ['203.0.113.0/24'] },
    });
    const resources = synthesizeTemplate(stacks.platform);
    const cluster = ofType(resources, 'Custom::AWSCDK-EKS-Cluster')[0]?.[1] as Resource;
    expect((cluster.Properties.Config as { resourcesVpcConfig: unknown }).resourcesVpcConfig).toMatchObject({
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: ['203.0.113.0/24'],
    });
    expect(ofType(resources, 'AWS::EC2::Instance')).toEqual([]);
  });
});

function synthesizeTemplate(stack: Stack): Resources {
  return Template.fromStack(stack).toJSON().Resources as Resources;
}
