import { Match } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../lib/config';
import { appliedObjects, findObject, type Json } from '../support/applied-objects';
import { synthesizeEnvironment } from '../support/cdk';

const find = findObject;

describe.each(ENVIRONMENT_NAMES)('Grafana in %s', (env) => {
  const config = loadEnvironmentConfig(env);
  const { stacks, template: templateOf } = synthesizeEnvironment(env);
  const template = templateOf(stacks.platform);
  const objects = appliedObjects(template);
  const [certificateId] = Object.keys(
    template.findResources('AWS::CertificateManager::Certificate', {
      Properties: Match.objectLike({ DomainName: config.grafana.hostname }),
    }),
  );
  const deployment = find(objects, 'Deployment', 'grafana');
  const podSpec = deployment.spec.template.spec;

  it('has an ACM certificate for grafana.hostname issued by the configured private CA', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: config.grafana.hostname,
      CertificateAuthorityArn: config.grafana.certificateAuthorityArn,
      KeyAlgorithm: 'EC_prime256v1',
    });
    expect(certificateId).toMatch(/^GrafanaCertificate/);
  });

  it('is reached through an internal NLB with a TLS listener on that certificate, published in the private zone', () => {
    const service = find(objects, 'Service', 'grafana-lb');
    expect(service.spec).toMatchObject({
      type: 'LoadBalancer',
      ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    });
    expect(service.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'https',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': `<<{"Ref":"${certificateId}"}>>`,
      'service.beta.kubernetes.io/load-balancer-source-ranges': config.grafana.allowedCidrs.join(','),
      'external-dns.alpha.kubernetes.io/hostname': config.grafana.hostname,
    });
    expect(config.grafana.hostname.endsWith(`.monitoring.greenlang-${env}.internal`)).toBe(true);
  });

  it('sets root_url to https://<hostname>/ so the OAuth redirect comes back to the load balancer', () => {
    const ini: string = find(objects, 'ConfigMap', 'grafana-config').data['grafana.ini'];
    expect(ini).toContain(`root_url = https://${config.grafana.hostname}/`);
    expect(ini).toContain(`domain = ${config.grafana.hostname}`);
    template.hasOutput('GrafanaUrl', { Value: `https://${config.grafana.hostname}/` });
  });

  it('reads CloudWatch through its own IRSA role, allowed to read metrics only', () => {
    const roleName = `greenlang-${env}-grafana`;
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } }));
    // The trust conditions carry the OIDC issuer (a deploy-time value), resolved by a CfnJson resource.
    const role = template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } })[roleId ?? ''] as Json;
    const conditionsId = role.Properties.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals['Fn::GetAtt'][0];
    const [, parts] = template.toJSON().Resources[conditionsId].Properties.Value['Fn::Join'];
    const text = (parts as unknown[]).map((p) => (typeof p === 'string' ? p : '<issuer>')).join('');
    expect(JSON.parse(text)).toEqual({
      '<issuer>:sub': 'system:serviceaccount:monitoring:grafana',
      '<issuer>:aud': 'sts.amazonaws.com',
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['cloudwatch:GetMetricData', 'cloudwatch:GetMetricStatistics', 'cloudwatch:ListMetrics'],
            Resource: '*',
          },
        ],
      },
    });
    expect(find(objects, 'ServiceAccount', 'grafana').metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': `arn:aws:iam::${config.account}:role/${roleName}`,
    });
  });

  it('provisions every dashboard from its ConfigMap', () => {
    const volume = podSpec.volumes.find((v: Json) => v.name === 'dashboards');
    const names = volume.projected.sources.map((s: Json) => s.configMap.name);
    expect(names).toHaveLength(8);
    for (const name of names) expect(Object.keys(find(objects, 'ConfigMap', name).data)[0]).toMatch(/\.json$/);
  });

  if (config.grafana.database.engine === 'postgres') {
    const settings = config.grafana.database;

    it('keeps its state in an encrypted RDS PostgreSQL in the private subnets, reachable from the cluster only', () => {
      template.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        EngineVersion: Match.stringLikeRegexp('^16\\.'),
        DBName: 'grafana',
        StorageEncrypted: true,
        KmsKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^GrafanaDatabaseKey'), 'Arn'] }),
        PubliclyAccessible: false,
        MultiAZ: settings.multiAz,
        DeletionProtection: settings.deletionProtection,
        BackupRetentionPeriod: settings.backupRetentionDays,
        DBInstanceClass: `db.${settings.instanceType}`,
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        IpProtocol: 'tcp',
        FromPort: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GrafanaDatabaseInstance'), 'Endpoint.Port'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EksCluster'), 'ClusterSecurityGroupId'] },
      });
      const subnetGroups = Object.values(template.findResources('AWS::RDS::DBSubnetGroup')) as Json[];
      expect(subnetGroups).toHaveLength(1);
      expect(JSON.stringify(subnetGroups[0]?.Properties.SubnetIds)).toMatch(/privateSubnet/i);
    });

    it('generates the credentials into greenlang-<env>/grafana-database, synced by External Secrets and mounted', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `greenlang-${env}/grafana-database` });
      const es = find(objects, 'ExternalSecret', 'grafana-database');
      expect(es.spec.dataFrom).toEqual([{ extract: { key: `greenlang-${env}/grafana-database` } }]);
      expect(es.spec.target.template.data).toEqual({
        host: '{{ .host }}:{{ .port }}',
        user: '{{ .username }}',
        password: '{{ .password }}',
      });
      const ini: string = find(objects, 'ConfigMap', 'grafana-config').data['grafana.ini'];
      const database = ini.split('[database]')[1]?.split('\n[')[0] ?? '';
      expect(database).toContain('type = postgres');
      const files = [...database.matchAll(/\$__file\{([^}]+)\}/g)].map((m) => m[1] as string);
      expect(files.map((f) => f.split('/').pop())).toEqual(['host', 'user', 'password']);
      const mount = podSpec.containers[0].volumeMounts.find((m: Json) => m.name === 'database');
      for (const f of files) expect(f.startsWith(`${mount.mountPath}/`)).toBe(true);
      expect(podSpec.volumes).toContainEqual({ name: 'database', secret: { secretName: 'grafana-database' } });
      expect(deployment.spec.replicas).toBe(config.sizing.components.grafana.replicas);
      expect(deployment.spec.replicas).toBeGreaterThan(1);
    });

    it('applies the workloads only after the database (and its secret) exists', () => {
      const [dbId] = Object.keys(template.findResources('AWS::RDS::DBInstance'));
      const manifests = template.findResources('Custom::AWSCDK-EKS-KubernetesResource');
      const grafanaManifest = Object.values(manifests).find((m) => JSON.stringify(m).includes('grafana-database'));
      expect((grafanaManifest as Json).DependsOn).toContain(dbId);
    });
  } else {
    const settings = config.grafana.database;
    it('runs one replica on sqlite in a PVC, replaced (not rolled) so two pods never share the file', () => {
      template.resourceCountIs('AWS::RDS::DBInstance', 0);
      const pvc = find(objects, 'PersistentVolumeClaim', 'grafana-data');
      expect(pvc.spec.resources.requests.storage).toBe(settings.storage);
      expect(podSpec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'grafana-data' } });
      expect(deployment.spec.replicas).toBe(1);
      expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
      expect(find(objects, 'ConfigMap', 'grafana-config').data['grafana.ini']).toContain('type = sqlite3');
    });
  }
});
