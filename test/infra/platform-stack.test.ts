import { Match, type Template } from 'aws-cdk-lib/assertions';
import { buildEnvironment } from '../../lib/app';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../lib/config';
import {
  COMPACTOR_POD_LABELS,
  internalZoneName,
  irsaRoleName,
  SERVICE_ACCOUNTS,
  thanosBucketName,
} from '../../lib/naming';
import { ADDON_CHARTS, ADDON_IRSA_SUBJECTS, EBS_CSI_IRSA_SUBJECT } from '../../lib/platform/addons';
import { THANOS_IDENTITIES } from '../../lib/platform/thanos-access';
import { newTestApp, synthesizeEnvironment } from '../support/cdk';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const only = (template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] => {
  const found = Object.entries(template.findResources(type, { Properties: Match.objectLike(props) }));
  if (found.length !== 1) throw new Error(`expected one ${type} like ${JSON.stringify(props)}, found ${found.length}`);
  return found[0] as [string, Resource];
};

describe.each(ENVIRONMENT_NAMES)('the %s platform stack', (env) => {
  const config = loadEnvironmentConfig(env);
  const synthesized = synthesizeEnvironment(env);
  const template = synthesized.template(synthesized.stacks.platform);
  const [, cluster] = only(template, 'Custom::AWSCDK-EKS-Cluster');
  const clusterConfig = cluster.Properties.Config as {
    name: string;
    version: string;
    resourcesVpcConfig: { subnetIds: unknown[]; endpointPublicAccess: boolean; endpointPrivateAccess: boolean };
    logging: { clusterLogging: { enabled: boolean; types: string[] }[] };
    encryptionConfig: { resources: string[] }[];
  };
  const privateSubnets = clusterConfig.resourcesVpcConfig.subnetIds;

  it('is named greenlang-<env>-platform and runs Kubernetes 1.35 with the matching kubectl layer', () => {
    expect(synthesized.stacks.platform.stackName).toBe(`greenlang-${env}-platform`);
    expect(clusterConfig.name).toBe(config.clusterName);
    expect(clusterConfig.version).toBe('1.35');
    const [layerId, layer] = only(template, 'AWS::Lambda::LayerVersion');
    expect(layer.Properties.Description).toMatch(/kubectl 1\.35\./);
    const kubectlNested = JSON.stringify(template.toJSON());
    expect(kubectlNested).toContain(layerId);
  });

  it('keeps the API endpoint private, logs every control-plane log type and encrypts secrets', () => {
    expect(clusterConfig.resourcesVpcConfig.endpointPublicAccess).toBe(false);
    expect(clusterConfig.resourcesVpcConfig.endpointPrivateAccess).toBe(true);
    expect(clusterConfig.logging.clusterLogging).toEqual([
      { enabled: true, types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] },
    ]);
    expect(clusterConfig.encryptionConfig).toEqual([expect.objectContaining({ resources: ['secrets'] })]);
  });

  it('places the cluster in the private subnets of the network stack, one per zone', () => {
    expect(privateSubnets).toHaveLength(config.availabilityZones.length);
    const rendered = JSON.stringify(privateSubnets);
    expect(rendered.match(/privateSubnet\d/g)?.sort()).toEqual(
      config.availabilityZones.map((_, i) => `privateSubnet${i + 1}`),
    );
    expect(rendered).not.toMatch(/publicSubnet/);
  });

  it("has no default capacity but one on-demand managed node group per zone, each in that zone's private subnet", () => {
    expect(Object.keys(template.findResources('AWS::AutoScaling::AutoScalingGroup'))).toEqual([]);
    const groups = Object.values(template.findResources('AWS::EKS::Nodegroup')) as Resource[];
    expect(groups.map((g) => g.Properties.NodegroupName).sort()).toEqual(
      config.availabilityZones.map((zone) => `${config.clusterName}-stateful-${zone}`).sort(),
    );
    for (const group of groups) {
      expect(group.Properties).toMatchObject({
        AmiType: 'AL2023_x86_64_STANDARD',
        CapacityType: 'ON_DEMAND',
        InstanceTypes: config.nodeGroups.instanceTypes,
        ScalingConfig: {
          MinSize: config.nodeGroups.minPerZone,
          DesiredSize: config.nodeGroups.minPerZone,
          MaxSize: config.nodeGroups.maxPerZone,
        },
      });
      const subnets = group.Properties.Subnets as unknown[];
      expect(subnets).toHaveLength(1);
      expect(privateSubnets).toContainEqual(subnets[0]);
    }
    // Every private subnet (zone) has exactly one group.
    expect(groups.map((g) => JSON.stringify((g.Properties.Subnets as unknown[])[0])).sort()).toEqual(
      privateSubnets.map((s) => JSON.stringify(s)).sort(),
    );
  });

  it('selects exactly the compactor pods for Fargate, in the private subnets only', () => {
    const [, profile] = only(template, 'Custom::AWSCDK-EKS-FargateProfile');
    const profileConfig = profile.Properties.Config as { selectors: unknown; subnets: unknown };
    expect(profileConfig.selectors).toEqual([{ namespace: 'monitoring', labels: { ...COMPACTOR_POD_LABELS } }]);
    expect(profileConfig.subnets).toEqual(privateSubnets);
  });

  it('installs the EBS CSI driver as an EKS add-on with its own IRSA role', () => {
    const [, addon] = only(template, 'AWS::EKS::Addon', { AddonName: 'aws-ebs-csi-driver' });
    const roleRef = (addon.Properties.ServiceAccountRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleRef] as Resource;
    expect(role.Properties.RoleName).toBe(irsaRoleName(env, EBS_CSI_IRSA_SUBJECT.roleIdentity));
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('service-role/AmazonEBSCSIDriverPolicy');
  });

  describe('IRSA', () => {
    const trustOf = (roleName: string) => {
      const [, role] = only(template, 'AWS::IAM::Role', { RoleName: roleName });
      const statements = (role.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      expect(statements).toHaveLength(1);
      const statement = statements[0] as Record<string, unknown>;
      const trust = statement.Condition as { StringEquals: { 'Fn::GetAtt': [string, string] } };
      const conditionsId = trust.StringEquals['Fn::GetAtt'][0];
      const conditions = template.toJSON().Resources[conditionsId] as Resource;
      return { statement, conditions: JSON.stringify(conditions.Properties.Value) };
    };

    it.each([
      ...THANOS_IDENTITIES.map((id) => ['monitoring', SERVICE_ACCOUNTS[id], irsaRoleName(env, SERVICE_ACCOUNTS[id])]),
      ...Object.values(ADDON_IRSA_SUBJECTS).map((s) => [
        s.namespace,
        s.serviceAccount,
        irsaRoleName(env, s.roleIdentity),
      ]),
      [
        EBS_CSI_IRSA_SUBJECT.namespace,
        EBS_CSI_IRSA_SUBJECT.serviceAccount,
        irsaRoleName(env, EBS_CSI_IRSA_SUBJECT.roleIdentity),
      ],
    ])(
      'trusts only %s/%s (role %s) through the cluster OIDC provider, audience sts.amazonaws.com',
      (ns, sa, roleName) => {
        const { statement, conditions } = trustOf(roleName);
        expect(statement).toMatchObject({
          Action: 'sts:AssumeRoleWithWebIdentity',
          Effect: 'Allow',
          Principal: { Federated: { Ref: expect.stringMatching(/OidcProvider/) } },
        });
        expect(conditions).toContain(`:sub\\":\\"system:serviceaccount:${ns}:${sa}\\"`);
        expect(conditions).toContain(':aud\\":\\"sts.amazonaws.com\\"');
        expect(conditions).toContain('OpenIdConnectIssuer');
      },
    );
  });

  describe('least privilege on the Thanos bucket and key', () => {
    const bucketArn = `arn:aws:s3:::${thanosBucketName(config)}`;
    const statementsOf = (serviceAccount: string): Statement[] => {
      const [roleId] = only(template, 'AWS::IAM::Role', { RoleName: irsaRoleName(env, serviceAccount) });
      const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
      return policies
        .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    };
    const actionsOn = (statements: Statement[], resource: string) =>
      statements.filter((s) => s.Resource === resource).flatMap((s) => asList(s.Action));

    it.each([
      ['prometheus', ['s3:GetObject', 's3:PutObject'], ['kms:Decrypt', 'kms:GenerateDataKey']],
      ['thanos-ruler', ['s3:GetObject', 's3:PutObject'], ['kms:Decrypt', 'kms:GenerateDataKey']],
      ['thanos-store', ['s3:GetObject'], ['kms:Decrypt']],
      ['thanos-compactor', ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ['kms:Decrypt', 'kms:GenerateDataKey']],
    ])(
      '%s: objects %j, key %j (through S3 only), ListBucket on the bucket, nothing else',
      (sa, objectActions, keyActions) => {
        const statements = statementsOf(sa);
        expect(statements).toHaveLength(3);
        expect(actionsOn(statements, bucketArn)).toEqual(['s3:ListBucket']);
        expect(actionsOn(statements, `${bucketArn}/*`).sort()).toEqual([...objectActions].sort());
        const keyStatement = statements.find((s) => asList(s.Action).some((a) => a.startsWith('kms:')));
        expect(asList(keyStatement?.Action ?? []).sort()).toEqual([...keyActions].sort());
        expect(JSON.stringify(keyStatement?.Resource)).toMatch(/ThanosKey/);
        expect(keyStatement?.Condition).toEqual({
          StringEquals: { 'kms:ViaService': `s3.${config.region}.amazonaws.com` },
        });
      },
    );

    it('gives the store gateway no PutObject and no DeleteObject, and DeleteObject to the compactor only', () => {
      const store = statementsOf('thanos-store').flatMap((s) => asList(s.Action));
      expect(store).not.toContain('s3:PutObject');
      expect(store).not.toContain('s3:DeleteObject');
      const deleters = Object.values(SERVICE_ACCOUNTS).filter((sa) =>
        statementsOf(sa).some((s) => asList(s.Action).includes('s3:DeleteObject')),
      );
      expect(deleters).toEqual(['thanos-compactor']);
    });
  });

  it('lets External Secrets Operator read only greenlang-<env>/* secrets', () => {
    const [roleId] = only(template, 'AWS::IAM::Role', { RoleName: irsaRoleName(env, 'external-secrets') });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: [
              'secretsmanager:DescribeSecret',
              'secretsmanager:GetSecretValue',
              'secretsmanager:ListSecretVersionIds',
            ],
            Resource: `arn:aws:secretsmanager:${config.region}:${config.account}:secret:greenlang-${env}/*`,
          }),
        ],
      },
    });
  });

  it('creates the private zone of the in-VPC endpoints, associated with the VPC, and lets ExternalDNS change only it', () => {
    const [zoneId, zone] = only(template, 'AWS::Route53::HostedZone');
    expect(zone.Properties.Name).toBe(`${internalZoneName(env)}.`);
    expect(zone.Properties.VPCs).toEqual([expect.objectContaining({ VPCRegion: config.region })]);
    const [roleId] = only(template, 'AWS::IAM::Role', { RoleName: irsaRoleName(env, 'external-dns') });
    const [, policy] = only(template, 'AWS::IAM::Policy', { Roles: [{ Ref: roleId }] });
    const change = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.find((s) =>
      asList(s.Action).includes('route53:ChangeResourceRecordSets'),
    );
    expect(JSON.stringify(change?.Resource)).toContain(zoneId);
  });

  it.each(Object.values(ADDON_CHARTS))('installs the $release add-on at its pinned chart version', (chart) => {
    const [, release] = only(template, 'Custom::AWSCDK-EKS-HelmChart', { Release: chart.release });
    expect(release.Properties).toMatchObject({
      Chart: chart.chart,
      Version: chart.version,
      Repository: chart.repository,
      Namespace: chart.namespace,
      Wait: true,
    });
    // helm runs inside the kubectl handler, a Lambda function with a 15-minute limit.
    const seconds = Number.parseInt(String(release.Properties.Timeout), 10);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(15 * 60);
  });

  it('applies the monitoring namespace and the gp3 default StorageClass before the add-on releases', () => {
    const manifests = Object.entries(template.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as [
      string,
      Resource,
    ][];
    const base = manifests.find(([, m]) => String(m.Properties.Manifest).includes('"kind":"StorageClass"'));
    if (!base) throw new Error('no manifest applies the gp3 StorageClass');
    const [baseId, baseManifest] = base;
    const objects = JSON.parse(String(baseManifest.Properties.Manifest)) as {
      kind: string;
      metadata: { name: string };
    }[];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/monitoring', 'StorageClass/gp3']);
    for (const chart of Object.values(ADDON_CHARTS)) {
      const [, release] = only(template, 'Custom::AWSCDK-EKS-HelmChart', { Release: chart.release });
      expect(release.DependsOn).toContain(baseId);
    }
  });
});

describe('a sizing the stateful node group cannot hold', () => {
  it('stops synth with the problems, naming the environment', () => {
    const dev = loadEnvironmentConfig('dev');
    const prometheus = dev.sizing.components.prometheus;
    const config = {
      ...dev,
      sizing: {
        ...dev.sizing,
        components: {
          ...dev.sizing.components,
          prometheus: { ...prometheus, resources: { ...prometheus.resources, limits: { cpu: '2', memory: '32Gi' } } },
        },
      },
    };
    expect(() => buildEnvironment(newTestApp(), config)).toThrow(
      /greenlang-dev-platform: the stateful node group does not fit the sizing of dev:\n- components\.prometheus\.resources\.limits: 2 \/ 32Gi do not fit one m6i\.xlarge node/,
    );
  });
});
