import { Token } from 'aws-cdk-lib';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../../lib/config';
import { internalZoneName, irsaRoleName, pushgatewayReplicaUrl, thanosQueryUrl } from '../../../lib/naming';
import {
  externalDnsStatements,
  externalSecretsStatements,
  loadBalancerControllerStatements,
} from '../../../lib/platform/addon-policies';
import {
  ADDON_CHARTS,
  ADDON_IRSA_SUBJECTS,
  internalLoadBalancerAnnotations,
  internalTlsListenerAnnotations,
  irsaRoleArn,
  partitionOf,
  platformAddonReleases,
} from '../../../lib/platform/addons';

type Values = Record<string, unknown> & {
  serviceAccount?: { create: boolean; name: string; annotations: Record<string, string> };
};

describe.each(ENVIRONMENT_NAMES)('platformAddonReleases(%s)', (env) => {
  const config = loadEnvironmentConfig(env);
  const releases = platformAddonReleases(config);
  const byName = (name: string) => {
    const release = releases.find((r) => r.release === name);
    if (!release) throw new Error(`no release ${name}`);
    return release as typeof release & { values: Values };
  };

  it('installs the add-ons from their upstream repositories at pinned versions, the load balancer controller first', () => {
    expect(releases.map(({ values: _values, ...coordinates }) => coordinates)).toEqual([
      ADDON_CHARTS.awsLoadBalancerController,
      ADDON_CHARTS.certManager,
      ADDON_CHARTS.externalDns,
      ADDON_CHARTS.externalSecrets,
      ADDON_CHARTS.clusterAutoscaler,
    ]);
    for (const release of releases) {
      expect(release.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(release.repository).toMatch(/^https:\/\//);
      expect(release.repository).not.toMatch(/bitnami/);
    }
  });

  it('annotates each AWS-calling add-on service account with its fixed IRSA role ARN', () => {
    const cases = [
      ['aws-load-balancer-controller', ADDON_IRSA_SUBJECTS.awsLoadBalancerController],
      ['external-dns', ADDON_IRSA_SUBJECTS.externalDns],
      ['external-secrets', ADDON_IRSA_SUBJECTS.externalSecrets],
    ] as const;
    for (const [release, subject] of cases) {
      expect(byName(release).namespace).toBe(subject.namespace);
      expect(byName(release).values.serviceAccount).toEqual({
        create: true,
        name: subject.serviceAccount,
        annotations: {
          'eks.amazonaws.com/role-arn': `arn:aws:iam::${config.account}:role/${irsaRoleName(env, subject.roleIdentity)}`,
        },
      });
    }
    expect(byName('cert-manager').values.serviceAccount).toBeUndefined();
  });

  it('points ExternalDNS at the private internal zone only, owning its records by cluster', () => {
    const values = byName('external-dns').values;
    expect(values.domainFilters).toEqual([internalZoneName(env)]);
    expect(values.extraArgs).toEqual(['--aws-zone-type=private']);
    expect(values.txtOwnerId).toBe(config.clusterName);
    expect(values.sources).toEqual(['service']);
  });

  it('tells the load balancer controller its cluster and region', () => {
    expect(byName('aws-load-balancer-controller').values).toMatchObject({
      clusterName: config.clusterName,
      region: config.region,
    });
    expect(byName('aws-load-balancer-controller').values.vpcId).toBeUndefined();
  });

  it('installs the CRDs of cert-manager and ESO with their charts', () => {
    expect(byName('cert-manager').values.crds).toEqual({ enabled: true, keep: true });
    expect(byName('external-secrets').values.installCRDs).toBe(true);
  });
});

describe('deploy-time values', () => {
  it('pin the load balancer controller to the VPC and ExternalDNS to the zone id when the stack knows them', () => {
    const releases = platformAddonReleases(loadEnvironmentConfig('prod'), {
      vpcId: 'vpc-123',
      internalZoneId: 'Z0ABC',
    });
    const values = Object.fromEntries(releases.map((r) => [r.release, r.values as Record<string, unknown>]));
    expect(values['aws-load-balancer-controller']?.vpcId).toBe('vpc-123');
    expect(values['external-dns']?.extraArgs).toEqual(['--aws-zone-type=private', '--zone-id-filter=Z0ABC']);
  });
});

describe('IRSA role ARNs', () => {
  it('use the partition of the region', () => {
    expect(partitionOf('eu-west-1')).toBe('aws');
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(irsaRoleArn({ name: 'dev', account: '111111111111', region: 'cn-north-1' }, 'external-dns')).toBe(
      'arn:aws-cn:iam::111111111111:role/greenlang-dev-external-dns',
    );
  });
});

describe('add-on IAM statements', () => {
  const scope = { partition: 'aws', region: 'eu-west-1', account: '333333333333' };

  it('let ESO read only the environment secrets', () => {
    expect(externalSecretsStatements({ ...scope, env: 'prod' })).toEqual([
      expect.objectContaining({
        Action: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:DescribeSecret',
          'secretsmanager:ListSecretVersionIds',
        ],
        Resource: 'arn:aws:secretsmanager:eu-west-1:333333333333:secret:greenlang-prod/*',
      }),
    ]);
  });

  it('let ExternalDNS change records only in the internal zone', () => {
    const statements = externalDnsStatements({ ...scope, hostedZoneArn: 'arn:aws:route53:::hostedzone/Z0ABC' });
    const changing = statements.filter((s) => s.Action.includes('route53:ChangeResourceRecordSets'));
    expect(changing).toEqual([expect.objectContaining({ Resource: 'arn:aws:route53:::hostedzone/Z0ABC' })]);
    expect(statements.find((s) => s.Resource === '*')?.Action).toEqual([
      'route53:ListHostedZones',
      'route53:ListTagsForResources',
    ]);
  });

  it('let the load balancer controller delete and modify only what carries its cluster tag', () => {
    const statements = loadBalancerControllerStatements(scope);
    const destructive = statements.filter((s) =>
      s.Action.some((a) =>
        /:(Delete(LoadBalancer|TargetGroup|SecurityGroup)|Modify(LoadBalancer|TargetGroup)Attributes)$/.test(a),
      ),
    );
    expect(destructive.length).toBeGreaterThanOrEqual(2);
    for (const statement of destructive) {
      expect(statement.Condition?.Null).toEqual({ 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'false' });
    }
    const creating = statements.find((s) => s.Action.includes('elasticloadbalancing:CreateLoadBalancer'));
    expect(creating?.Condition).toEqual({ Null: { 'aws:RequestTag/elbv2.k8s.aws/cluster': 'false' } });
  });

  it('scope every load balancer controller ARN to the account and region, without wildcard actions', () => {
    for (const statement of loadBalancerControllerStatements(scope)) {
      expect(statement.Action.filter((a) => a.includes('*'))).toEqual([]);
      const resources = typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource;
      for (const resource of resources) {
        if (resource !== '*') expect(resource).toMatch(/^arn:aws:(ec2|elasticloadbalancing):eu-west-1:333333333333:/);
      }
    }
  });
});

describe('internalLoadBalancerAnnotations', () => {
  const prod = loadEnvironmentConfig('prod');

  it('asks for an internal IP-target NLB open to the VPC CIDR only, published in the private zone', () => {
    expect(internalLoadBalancerAnnotations(prod, 'pushgateway-0')).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/load-balancer-source-ranges': '10.30.0.0/16',
      'service.beta.kubernetes.io/aws-load-balancer-attributes': 'load_balancing.cross_zone.enabled=true',
      'external-dns.alpha.kubernetes.io/hostname': 'pushgateway-0.monitoring.greenlang-prod.internal',
    });
  });

  it('publishes exactly the hosts the in-VPC functions call (pushgatewayReplicaUrl, thanosQueryUrl)', () => {
    const host = (h: string) => internalLoadBalancerAnnotations(prod, h)['external-dns.alpha.kubernetes.io/hostname'];
    expect(pushgatewayReplicaUrl('prod', 1)).toBe(`https://${host('pushgateway-1')}:9091`);
    expect(thanosQueryUrl('prod')).toBe(`https://${host('thanos-query')}:9090`);
  });

  it('refuses a host that is not a DNS label', () => {
    expect(() => internalLoadBalancerAnnotations(prod, 'Pushgateway.0')).toThrow(
      'internal load balancer host "Pushgateway.0" is not a DNS label (e.g. "pushgateway-0")',
    );
  });
});

describe('internalTlsListenerAnnotations', () => {
  const arn = 'arn:aws:acm:eu-west-1:333333333333:certificate/0f0e0d0c-0000-4000-8000-000000000001';

  it('asks for TLS listeners on the named ports with the certificate, TLS 1.2+ policy and plain TCP to the pods', () => {
    expect(internalTlsListenerAnnotations(arn, ['https'])).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': arn,
      'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'https',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'tcp',
    });
    expect(
      internalTlsListenerAnnotations(arn, ['https', '9443'])['service.beta.kubernetes.io/aws-load-balancer-ssl-ports'],
    ).toBe('https,9443');
  });

  it('takes a deploy-time token for the ARN', () => {
    const token = Token.asString({ Ref: 'Certificate' });
    expect(
      internalTlsListenerAnnotations(token, ['https'])['service.beta.kubernetes.io/aws-load-balancer-ssl-cert'],
    ).toBe(token);
  });

  it('refuses no port (the controller would then make every port TLS) and an ARN that is not an ACM certificate', () => {
    expect(() => internalTlsListenerAnnotations(arn, [])).toThrow(
      'internalTlsListenerAnnotations: name at least one TLS port',
    );
    expect(() =>
      internalTlsListenerAnnotations('arn:aws:acm-pca:eu-west-1:333333333333:certificate-authority/x', ['https']),
    ).toThrow('is not an ACM certificate ARN');
  });
});
