import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../lib/config';
import { InternalEndpointsCertificate } from '../../lib/constructs/internal-endpoints-certificate';
import { PrivateCaCertificate } from '../../lib/constructs/private-ca-certificate';
import { PushIngestion } from '../../lib/constructs/push-ingestion';
import { pushgatewayReplicaHost, pushgatewayReplicaUrl } from '../../lib/naming';
import { INTERNAL_TLS_POLICY } from '../../lib/platform/addons';
import { appliedObjects, findObject, type Json } from '../support/applied-objects';
import { newTestApp, synthesizeEnvironment } from '../support/cdk';
import {
  CA_PEM_BUDGET,
  environmentBytesBesides,
  functionVariables,
  LAMBDA_ENVIRONMENT_LIMIT,
} from '../support/lambda-environment';

/**
 * TLS on the push functions' path to the Pushgateway replicas: each replica's internal NLB terminates TLS with an
 * ACM certificate from the environment's AWS Private CA, and the functions trust exactly that CA, read at deploy
 * time. (The client's side against a real TLS server: test/integration/pushgateway-tls.test.ts.)
 */

describe.each(ENVIRONMENT_NAMES)('Pushgateway NLB TLS in %s', (env) => {
  const config = loadEnvironmentConfig(env);
  const { stacks, template: templateOf } = synthesizeEnvironment(env);
  const platform = templateOf(stacks.platform);
  const ops = templateOf(stacks.ops);
  const replicas = config.sizing.components.pushgateway.replicas;
  const hosts = Array.from({ length: replicas }, (_, i) => pushgatewayReplicaHost(env, i));

  const certificates = platform.findResources('AWS::CertificateManager::Certificate', {
    Properties: Match.objectLike({ DomainName: hosts[0] }),
  });
  const [certificateId] = Object.keys(certificates);

  it('has one ACM certificate for every replica name, issued by the environment Private CA', () => {
    expect(Object.keys(certificates)).toHaveLength(1);
    expect(certificateId).toMatch(/^PushgatewayCertificate/);
    expect((certificates[certificateId ?? ''] as Json).Properties).toMatchObject({
      DomainName: hosts[0],
      SubjectAlternativeNames: hosts.slice(1),
      CertificateAuthorityArn: config.grafana.certificateAuthorityArn,
      KeyAlgorithm: 'EC_prime256v1',
    });
  });

  it.each(Array.from({ length: replicas }, (_, i) => i))(
    'terminates TLS on replica %i NLB with that certificate, TLS 1.2+, plain TCP to the pod',
    (i) => {
      const service = findObject(appliedObjects(platform), 'Service', `pushgateway-${i}`);
      const url = new URL(pushgatewayReplicaUrl(env, i));
      expect(url.protocol).toBe('https:');
      expect(service.metadata.annotations).toMatchObject({
        'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': `<<{"Ref":"${certificateId}"}>>`,
        // The port NAME: the controller matches ssl-ports against a port's name or number.
        'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'https',
        'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': INTERNAL_TLS_POLICY,
        'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'tcp',
        'external-dns.alpha.kubernetes.io/hostname': url.hostname,
      });
      expect(service.spec.ports).toEqual([
        { name: 'https', port: Number(url.port), targetPort: 'http', protocol: 'TCP' },
      ]);
    },
  );

  const readers = ops.findResources('Custom::AWS');
  const readerIds = Object.keys(readers).filter((id) => id.startsWith('PrivateCa'));

  it('reads the Private CA certificate at deploy time (GetCertificateAuthorityCertificate on that CA only)', () => {
    expect(readerIds).toHaveLength(1);
    const reader = (readers[readerIds[0] ?? ''] as Json).Properties;
    const create = JSON.parse(reader.Create) as Json;
    expect(create).toMatchObject({
      service: 'ACMPCA',
      action: 'GetCertificateAuthorityCertificate',
      parameters: { CertificateAuthorityArn: config.grafana.certificateAuthorityArn },
      region: config.grafana.certificateAuthorityArn.split(':')[3],
      outputPaths: ['Certificate'],
    });
    expect(JSON.parse(reader.Update)).toEqual(create);
    expect(reader.InstallLatestAwsSdk).toBe(false);
  });

  it("grants the reader exactly acm-pca:GetCertificateAuthorityCertificate on the CA's ARN", () => {
    const policies = Object.values(ops.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('acm-pca:'),
    ) as Json[];
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 'acm-pca:GetCertificateAuthorityCertificate',
        Effect: 'Allow',
        Resource: config.grafana.certificateAuthorityArn,
      },
    ]);
  });

  const functions = ops.findResources('AWS::Lambda::Function');
  const variables = functionVariables;
  const pushFunctions = Object.values(functions).filter((fn) =>
    ['push-ingest', 'push-repair'].includes(String(variables(fn).POWERTOOLS_SERVICE_NAME)),
  );

  it('hands the CA certificate to both push functions, with https replica URLs; to no other function', () => {
    expect(pushFunctions).toHaveLength(2);
    for (const fn of pushFunctions) {
      expect(variables(fn).PUSHGATEWAY_CA_PEM).toEqual({ 'Fn::GetAtt': [readerIds[0], 'Certificate'] });
      expect(String(variables(fn).PUSHGATEWAY_URLS).split(',')).toEqual(
        hosts.map((_, i) => pushgatewayReplicaUrl(env, i)),
      );
    }
    const holders = Object.values(functions).filter((fn) => 'PUSHGATEWAY_CA_PEM' in variables(fn));
    expect(holders).toHaveLength(2);
  });

  it(`leaves ${CA_PEM_BUDGET} bytes of the 4 KB environment limit for the CA certificate`, () => {
    for (const fn of pushFunctions) {
      // A token elsewhere (the table name) is a CloudFormation-generated name of at most 255 characters.
      const size = environmentBytesBesides(variables(fn), 'PUSHGATEWAY_CA_PEM');
      expect(size + CA_PEM_BUDGET).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT);
    }
  });
});

describe('the TLS constructs refuse bad input', () => {
  const stack = () => new Stack(newTestApp(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const ca = 'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/00000000-0000-4000-8000-000000000001';

  it('PrivateCaCertificate needs a Private CA ARN', () => {
    expect(
      () => new PrivateCaCertificate(stack(), 'Ca', { certificateAuthorityArn: 'arn:aws:acm:eu-west-1:1:x' }),
    ).toThrow('PrivateCaCertificate Ca: "arn:aws:acm:eu-west-1:1:x" is not an AWS Private CA ARN');
  });

  it('PrivateCaCertificate reads again under a new refresh value (a new physical id)', () => {
    const physicalId = (refresh?: string) => {
      const s = stack();
      new PrivateCaCertificate(s, 'Ca', { certificateAuthorityArn: ca, ...(refresh ? { refresh } : {}) });
      const [reader] = Object.values(Template.fromStack(s).findResources('Custom::AWS')) as Json[];
      return (JSON.parse(reader?.Properties.Create) as Json).physicalResourceId.id;
    };
    expect(physicalId()).toBe(`${ca}#initial`);
    expect(physicalId('2027-renewal')).toBe(`${ca}#2027-renewal`);
  });

  it('InternalEndpointsCertificate needs lowercase DNS names, at least one, none twice', () => {
    const build = (hostnames: string[]) =>
      new InternalEndpointsCertificate(stack(), 'Cert', { hostnames, certificateAuthorityArn: ca });
    expect(() => build([])).toThrow('InternalEndpointsCertificate Cert: hostnames is empty');
    expect(() => build(['Pushgateway-0.example.internal'])).toThrow(
      '"Pushgateway-0.example.internal" is not a lowercase DNS name',
    );
    expect(() => build(['a.example.internal', 'a.example.internal'])).toThrow('hostnames repeat a name');
  });

  it('the push ingestion refuses a CA for http replica URLs', () => {
    const s = stack();
    const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0 });
    expect(
      () =>
        new PushIngestion(s, 'Push', {
          vpc,
          pushgatewayUrls: ['http://pushgateway-0.example.internal:9091'],
          pushgatewayCaPem: '-----BEGIN CERTIFICATE-----\n',
          pushgatewayAuthSecretName: 'greenlang-test/pushgateway-basic-auth',
          jwtIssuer: 'https://issuer.example',
          jwtAudience: ['push'],
          maxPayloadBytes: 1024,
          throttle: { rateLimit: 1, burstLimit: 1 },
          alarmTopic: new sns.Topic(s, 'Topic'),
          logRetention: logs.RetentionDays.TWO_WEEKS,
        }),
    ).toThrow('PushIngestion Push: pushgatewayCaPem is given, so every pushgatewayUrl must be https');
  });
});
