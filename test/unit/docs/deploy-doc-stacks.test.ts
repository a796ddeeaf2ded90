import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { loadEnvironmentConfig } from '../../../lib/config';
import { GENERATED_SECRET_KINDS, SECRET_KINDS, type StackPart } from '../../../lib/naming';
import { PROJECT_ROOT } from '../../../lib/paths';
import { ACCESS_HOST } from '../../../lib/platform/cost-estimate';
import { OPS_OUTPUTS } from '../../../lib/stacks/ops-stack';
import { PLATFORM_OUTPUTS } from '../../../lib/stacks/platform-stack';
import { synthesizeEnvironment } from '../../support/cdk';

/**
 * docs/deploy.md against what `cdk synth -c env=prod` builds: every stack, output, topic, secret and retained
 * resource the deployer is told about (or has to be told about) is checked on the synthesized templates.
 */

const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');
const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const ENV = 'prod';
const config = loadEnvironmentConfig(ENV);
const synthesized = synthesizeEnvironment(ENV);
const stacksByPart: Record<StackPart, Stack> = synthesized.stacks;
const parts = Object.keys(stacksByPart) as StackPart[];

interface CfnTemplate {
  Outputs?: Record<string, { Value: unknown }>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;
}
const templates = Object.fromEntries(
  parts.map((part) => [part, synthesized.template(stacksByPart[part]).toJSON() as CfnTemplate]),
) as Record<StackPart, CfnTemplate>;

/** The doc's shell commands: fenced `sh` blocks plus inline spans, backslash continuations joined. */
const shellBlocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').replace(/\\\n\s*/g, ' '));
const commands = [
  ...shellBlocks.flatMap((block) => block.split('\n')),
  ...[...doc.matchAll(/`([^`\n]*(?:aws|npx cdk) [^`\n]*)`/g)].map((m) => m[1] ?? ''),
].map((line) => line.trim());

/** `greenlang-<env>-<part>` as the doc writes it (placeholder or shell variable) → the part. */
const stackToken = /greenlang-(?:<env>|\$ENV|ENV|prod)-([a-z]+)\b/g;

function outputKeys(part: StackPart): string[] {
  return Object.keys(templates[part].Outputs ?? {});
}

function resourcesOfType(part: StackPart, type: string) {
  return Object.entries(templates[part].Resources).filter(([, r]) => r.Type === type);
}

describe('docs/deploy.md against the synthesized prod stacks', () => {
  it('names only stacks the app builds, in every cdk and CloudFormation command (doc and README)', () => {
    const named = commands
      .filter((line) => /cdk (deploy|destroy)|--stack-name/.test(line))
      .flatMap((line) => [...line.matchAll(stackToken)].map((m) => m[1] ?? ''))
      .filter((part) => part !== '<part>');
    expect(named.length).toBeGreaterThanOrEqual(8);
    expect(named.filter((part) => !(parts as string[]).includes(part))).toEqual([]);
    for (const part of parts) expect(stacksByPart[part].stackName).toBe(`greenlang-${ENV}-${part}`);
    // README's wildcard deploy covers exactly these stacks.
    expect(readme).toContain(`'greenlang-prod-*'`);
  });

  it('deploys each stack only after the stacks it depends on (the first-deploy commands, in order)', () => {
    const deploys = commands
      .filter((line) => line.startsWith('npx cdk deploy -c env=<env>') && !line.includes('privateCaRefresh'))
      .map((line) => [...line.matchAll(stackToken)].map((m) => m[1] as StackPart));
    expect(deploys.flat().sort()).toEqual([...parts].sort());
    const step = (part: StackPart) => deploys.findIndex((stacks) => stacks.includes(part));
    const tooLate = parts.flatMap((part) =>
      stacksByPart[part].dependencies
        .map((dependency) => parts.find((p) => stacksByPart[p] === dependency))
        .filter((dependency) => dependency === undefined || step(dependency) > step(part))
        .map((dependency) => `${part} is deployed before ${dependency ?? 'a stack outside the app'}`),
    );
    expect(tooLate).toEqual([]);
    // The dependencies are real (ops on storage and network, platform on ops): the check above is not vacuous.
    expect(stacksByPart.platform.dependencies).toContain(stacksByPart.ops);
  });

  it('destroys every stack the app builds', () => {
    const destroyed = commands
      .filter((line) => line.includes('cdk destroy'))
      .flatMap((line) => [...line.matchAll(stackToken)].map((m) => m[1]));
    const teardown = doc.slice(doc.indexOf('## 9. Teardown'));
    for (const part of parts) {
      expect(destroyed.includes(part) || teardown.includes(`destroy \`greenlang-<env>-${part}\``)).toBe(true);
    }
  });

  it('reads only outputs the stacks have, from the stack that has them', () => {
    const lookups = commands.flatMap((line) => {
      const stack = /--stack-name greenlang-\$ENV-([a-z]+)/.exec(line)?.[1];
      return [...line.matchAll(/OutputKey=='([A-Za-z]+)'/g)].map((m) => ({ stack, key: m[1] }));
    });
    expect(lookups.map((l) => `${l.stack}:${l.key}`)).toContain(`ops:${OPS_OUTPUTS.pushApiUrl}`);
    for (const { stack, key } of lookups.filter((l) => l.key !== '$1')) {
      expect(outputKeys(stack as StackPart)).toContain(key);
    }
    // `output NAME` is the doc's shell function over the platform stack's outputs.
    const helper = commands.find((line) => line.startsWith('output()')) ?? '';
    expect(helper).toContain('--stack-name greenlang-$ENV-platform');
    const viaHelper = [...doc.matchAll(/\$\(output ([A-Za-z]+)\b/g)].map((m) => m[1] ?? '');
    expect(viaHelper.sort()).toEqual(
      [PLATFORM_OUTPUTS.accessHostInstanceId, PLATFORM_OUTPUTS.clusterEndpoint, PLATFORM_OUTPUTS.grafanaUrl].sort(),
    );
    for (const key of viaHelper) expect(outputKeys('platform')).toContain(key);
    // Outputs named in prose ("the platform stack's `GrafanaUrl` output").
    const prose = [...doc.matchAll(/`([A-Z][A-Za-z]+)`(?: and `([A-Z][A-Za-z]+)`)? outputs?\b/g)].flatMap((m) =>
      [m[1], m[2]].filter((key): key is string => key !== undefined),
    );
    expect(prose.length).toBeGreaterThanOrEqual(4);
    const all = parts.flatMap(outputKeys);
    expect(prose.filter((key) => !all.includes(key))).toEqual([]);
  });

  it('the outputs the doc reads carry what the doc uses them for', () => {
    const platform = templates.platform.Outputs ?? {};
    const instance = resourcesOfType('platform', 'AWS::EC2::Instance');
    expect(instance).toHaveLength(1);
    expect(instance[0]?.[1].Properties?.InstanceType).toBe(ACCESS_HOST.instanceType);
    expect(platform[PLATFORM_OUTPUTS.accessHostInstanceId]?.Value).toEqual({ Ref: instance[0]?.[0] });
    const [clusterId] = resourcesOfType('platform', 'Custom::AWSCDK-EKS-Cluster')[0] ?? [];
    expect(platform[PLATFORM_OUTPUTS.clusterEndpoint]?.Value).toEqual({ 'Fn::GetAtt': [clusterId, 'Endpoint'] });
    expect(platform[PLATFORM_OUTPUTS.grafanaUrl]?.Value).toBe(`https://${config.grafana.hostname}/`);
    // The push API URL: the endpoint of the HTTP API named greenlang-<env>-push.
    const apis = resourcesOfType('ops', 'AWS::ApiGatewayV2::Api');
    expect(apis.map(([, r]) => r.Properties?.Name)).toEqual([`greenlang-${ENV}-push`]);
    // ApiEndpoint is https://<id>.execute-api.<region>.amazonaws.com; the only stage is $default (no path).
    expect(templates.ops.Outputs?.[OPS_OUTPUTS.pushApiUrl]?.Value).toEqual({
      'Fn::GetAtt': [apis[0]?.[0], 'ApiEndpoint'],
    });
    expect(resourcesOfType('ops', 'AWS::ApiGatewayV2::Stage').map(([, r]) => r.Properties?.StageName)).toEqual([
      '$default',
    ]);
  });

  it('names every SNS topic that sends confirmation emails, and its filter matches them', () => {
    const topics = resourcesOfType('ops', 'AWS::SNS::Topic');
    const emailTopics = resourcesOfType('ops', 'AWS::SNS::Subscription')
      .filter(([, r]) => r.Properties?.Protocol === 'email')
      .map(([, r]) => (r.Properties?.TopicArn as { Ref?: string } | undefined)?.Ref);
    expect(emailTopics).toHaveLength(topics.length * config.alerting.email.recipients.length);
    const confirm = doc.slice(doc.indexOf('### Confirm the email subscriptions'));
    for (const [id, topic] of topics) {
      expect(emailTopics).toContain(id);
      const name = String(topic.Properties?.TopicName);
      expect(name.startsWith(`greenlang-${ENV}-`)).toBe(true);
      expect(confirm).toContain(`\`${name.replace(`greenlang-${ENV}-`, 'greenlang-<env>-')}\``);
    }
    expect(confirm).toContain("contains(TopicArn, 'greenlang-$ENV-')");
  });

  it('lists every secret the templates read or create', () => {
    const text = JSON.stringify(templates);
    const read = [...text.matchAll(new RegExp(`secret:greenlang-${ENV}/([a-z][a-z-]*[a-z])`, 'g'))].map((m) => m[1]);
    const created = [
      ...resourcesOfType('platform', 'AWS::SecretsManager::Secret'),
      ...resourcesOfType('ops', 'AWS::SecretsManager::Secret'),
    ].map(([, r]) => String(r.Properties?.Name).replace(`greenlang-${ENV}/`, ''));
    expect(read.length).toBeGreaterThan(0);
    const kinds = [...new Set([...read, ...created])];
    for (const kind of kinds) expect(doc).toContain(`| \`greenlang-<env>/${kind}\` |`);
    expect(created).toEqual([...GENERATED_SECRET_KINDS]);
    for (const kind of kinds) expect([...SECRET_KINDS, ...GENERATED_SECRET_KINDS] as string[]).toContain(kind);
    // External Secrets may read exactly the prefix the doc names.
    expect(text).toContain(`:secret:greenlang-${ENV}/*`);
    expect(doc).toContain('`greenlang-<env>/*`');
  });

  it('asks for a CA whose key family matches the certificates the platform requests', () => {
    const certificates = resourcesOfType('platform', 'AWS::CertificateManager::Certificate');
    // Grafana's, the Pushgateway NLBs' and the query NLB's.
    expect(certificates.length).toBe(3);
    const algorithms = [...new Set(certificates.map(([, r]) => String(r.Properties?.KeyAlgorithm)))];
    expect(algorithms).toEqual(['EC_prime256v1']);
    for (const [, certificate] of certificates) {
      expect(certificate.Properties?.CertificateAuthorityArn).toBe(config.grafana.certificateAuthorityArn);
    }
    const create = commands.find((line) => line.includes('aws acm-pca create-certificate-authority')) ?? '';
    expect(create).toContain(`KeyAlgorithm=${algorithms[0]}`);
    expect(create).toContain('SigningAlgorithm=SHA256WITHECDSA');
    expect(doc).toContain(`\`${algorithms[0]}\``);
  });

  it('names the constructs a failed first deploy points at, as the stacks name them', () => {
    const troubleshooting = doc.slice(doc.indexOf('## 10. Troubleshooting the first deploy'));
    const { ops, platform } = synthesized.stacks;
    for (const id of [
      ops.privateCa.node.id,
      platform.grafanaCertificate.node.id,
      platform.pushgatewayCertificate.node.id,
    ]) {
      expect(troubleshooting).toContain(`\`${id}\``);
    }
    const read = resourcesOfType('ops', 'Custom::AWS').map(([, r]) => JSON.stringify(r.Properties?.Create));
    expect(read.some((call) => call.includes('GetCertificateAuthorityCertificate'))).toBe(true);
    expect(troubleshooting).toContain('`GetCertificateAuthorityCertificate`');
  });

  it('says in the teardown what happens to every resource a stack deletion leaves behind', () => {
    const teardown = doc.slice(doc.indexOf('## 9. Teardown'), doc.indexOf('## 10.'));
    /** How the teardown names each kind of retained resource. */
    const phrase: Record<string, string> = {
      'AWS::S3::Bucket': 'buckets',
      'AWS::KMS::Key': 'KMS key',
      'AWS::DynamoDB::Table': 'DynamoDB tables',
      'AWS::DynamoDB::GlobalTable': 'DynamoDB tables',
      'AWS::Logs::LogGroup': 'log groups',
      'AWS::Lambda::LayerVersion': 'layer version',
      'AWS::RDS::DBInstance': 'final snapshot',
      'AWS::SecretsManager::Secret': 'a retained secret',
    };
    const retained = parts.flatMap((part) =>
      Object.entries(templates[part].Resources)
        .filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'Snapshot')
        .map(([id, r]) => `${part}/${id} ${r.Type}`),
    );
    expect(retained.length).toBeGreaterThan(10);
    const unexplained = retained.filter((entry) => {
      const words = phrase[entry.split(' ')[1] ?? ''];
      return words === undefined || !teardown.includes(words);
    });
    expect(unexplained).toEqual([]);
    // And the other way round: every kind the teardown says is left behind is left behind.
    const retainedTypes = new Set(retained.map((entry) => entry.split(' ')[1]));
    const claimed = Object.entries(phrase).filter(([, words]) => teardown.includes(words));
    expect(
      claimed.filter(([, words]) => !Object.entries(phrase).some(([t, w]) => w === words && retainedTypes.has(t))),
    ).toEqual([]);
    // A protected database and terminate-protected stacks must be unprotected first.
    const databases = resourcesOfType('platform', 'AWS::RDS::DBInstance');
    expect(databases.map(([, r]) => r.Properties?.DeletionProtection)).toEqual([true]);
    expect(teardown).toContain('`grafana.database.deletionProtection`');
    expect(parts.every((part) => stacksByPart[part].terminationProtection)).toBe(true);
    expect(teardown).toContain('aws cloudformation update-termination-protection --no-enable-termination-protection');
  });
});
