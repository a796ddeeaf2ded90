import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../lib/config';
import { CapacityReport } from '../../lib/constructs/capacity-report';
import { thanosQueryHost, thanosQueryUrl } from '../../lib/naming';
import { INTERNAL_TLS_POLICY } from '../../lib/platform/addons';
import { appliedObjects, findObject, type Json } from '../support/applied-objects';
import { newTestApp, synthesizeEnvironment, unacknowledgedNagFindings } from '../support/cdk';
import {
  CA_PEM_BUDGET,
  environmentBytesBesides,
  functionVariables,
  LAMBDA_ENVIRONMENT_LIMIT,
} from '../support/lambda-environment';

/**
 * TLS on the capacity report's path to Thanos Query: the query-frontend's internal NLB terminates TLS with an ACM
 * certificate from the environment's AWS Private CA and re-encrypts to the frontend's HTTPS port, and the function
 * calls it over https trusting exactly that CA, read at deploy time. (The client against a real TLS server:
 * test/integration/prometheus-api-tls.test.ts.)
 */

describe.each(ENVIRONMENT_NAMES)('query-frontend NLB TLS in %s', (env) => {
  const config = loadEnvironmentConfig(env);
  const { app, stacks, template: templateOf } = synthesizeEnvironment(env);
  const platform = templateOf(stacks.platform);
  const ops = templateOf(stacks.ops);
  const host = thanosQueryHost(env);
  const url = new URL(thanosQueryUrl(env));

  const certificates = platform.findResources('AWS::CertificateManager::Certificate');
  const naming = (name: string) =>
    Object.keys(certificates).filter((id) => {
      const { DomainName, SubjectAlternativeNames = [] } = (certificates[id] as Json).Properties;
      return DomainName === name || SubjectAlternativeNames.includes(name);
    });
  const [certificateId = ''] = naming(host);

  it('calls the query NLB over https at its name in the private zone', () => {
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe(host);
    expect(url.port).toBe('9090');
  });

  it("has one ACM certificate naming the NLB, from the environment's Private CA, and no other names", () => {
    expect(naming(host)).toEqual([certificateId]);
    expect(certificateId).toMatch(/^ThanosQueryCertificate/);
    const properties = (certificates[certificateId] as Json).Properties;
    expect(properties).toMatchObject({
      DomainName: host,
      CertificateAuthorityArn: config.grafana.certificateAuthorityArn,
      KeyAlgorithm: 'EC_prime256v1',
    });
    expect(properties.SubjectAlternativeNames).toBeUndefined();
  });

  it('terminates TLS 1.2+ on the NLB with that certificate and re-encrypts to the frontend (backend ssl)', () => {
    const service = findObject(appliedObjects(platform), 'Service', 'thanos-query-internal');
    expect(service.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': `<<{"Ref":"${certificateId}"}>>`,
      'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': INTERNAL_TLS_POLICY,
      // `ssl`, not the listener helper's `tcp`: the frontend only speaks HTTPS.
      'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'ssl',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'HTTPS',
      'external-dns.alpha.kubernetes.io/hostname': host,
    });
    // ssl-ports names the Service's one port (the controller refuses a name matching no port), the URL's port.
    const sslPorts = service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-ssl-ports'];
    expect(service.spec.ports).toEqual([
      { name: sslPorts, port: Number(url.port), targetPort: 'http', protocol: 'TCP' },
    ]);
    expect(sslPorts).toBe('https');
  });

  const functions = ops.findResources('AWS::Lambda::Function');
  const variables = functionVariables;
  const service = (fn: unknown) => String(variables(fn).POWERTOOLS_SERVICE_NAME);
  const [readerId] = Object.keys(ops.findResources('Custom::AWS')).filter((id) => id.startsWith('PrivateCa'));

  it('hands the CA certificate to every function that calls the query NLB, and to no other', () => {
    const callers = Object.values(functions).filter((fn) => JSON.stringify(variables(fn)).includes(host));
    expect(callers.map(service)).toEqual(['capacity-report']);
    for (const fn of callers) {
      expect(variables(fn).QUERY_URL).toBe(thanosQueryUrl(env));
      expect(variables(fn).QUERY_CA_PEM).toEqual({ 'Fn::GetAtt': [readerId, 'Certificate'] });
    }
    const holders = Object.values(functions).filter((fn) => 'QUERY_CA_PEM' in variables(fn));
    expect(holders.map(service)).toEqual(['capacity-report']);
  });

  it(`leaves ${CA_PEM_BUDGET} bytes of the 4 KB environment limit for the CA certificate`, () => {
    const [fn] = Object.values(functions).filter((f) => service(f) === 'capacity-report');
    const entries = Object.entries(variables(fn)).filter(([name]) => name !== 'QUERY_CA_PEM');
    // Every other value is plain text here (the capacity config is JSON of the environment's sizing).
    expect(entries.filter(([, value]) => typeof value !== 'string')).toEqual([]);
    const size = environmentBytesBesides(variables(fn), 'QUERY_CA_PEM');
    expect(size + CA_PEM_BUDGET).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_LIMIT);
  });

  it('has no unacknowledged cdk-nag findings', () => {
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });
});

describe('CapacityReport refuses a query URL it would not verify', () => {
  it('needs an https queryUrl (the CA is only used over TLS)', () => {
    const stack = new Stack(newTestApp(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const config = loadEnvironmentConfig('dev');
    expect(
      () =>
        new CapacityReport(stack, 'Report', {
          capacityConfig: { environment: 'dev', sizing: config.sizing, retention: config.retention },
          queryUrl: 'http://thanos-query.monitoring.greenlang-dev.internal:9090',
          queryCaPem: '-----BEGIN CERTIFICATE-----\n',
          vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }),
          reportsBucketName: 'reports',
          reportsKey: new kms.Key(stack, 'Key'),
          thanosBucketName: 'thanos',
          schedule: { dayOfWeek: 'MON', hour: 6, timezone: 'UTC' },
          alarmTopic: new sns.Topic(stack, 'Alarms'),
          logRetention: logs.RetentionDays.TWO_WEEKS,
        }),
    ).toThrow(
      'CapacityReport Report: queryUrl "http://thanos-query.monitoring.greenlang-dev.internal:9090" must be https (the function trusts queryCaPem)',
    );
  });
});
