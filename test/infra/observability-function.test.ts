import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import { ObservabilityFunction } from '../../lib/constructs/observability-function';
import { PROJECT_ROOT } from '../../lib/paths';
import { newTestApp, unacknowledgedNagFindings } from '../support/cdk';

const ENTRY = path.join(PROJECT_ROOT, 'test/fixtures/lambdas/echo/index.ts');

function build(options: { vpc?: boolean; bundling?: boolean } = {}) {
  return quietly(() => buildStack(options));
}

/**
 * Runs `fn` without the CDK's "Bundling asset ..." progress lines, which aws-cdk-lib writes straight to
 * process.stderr (core/lib/asset-staging.js) and which would otherwise land in jest's output.
 */
function quietly<T>(fn: () => T): T {
  const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return fn();
  } finally {
    write.mockRestore();
  }
}

function buildStack(options: { vpc?: boolean; bundling?: boolean }) {
  const app = newTestApp({ bundling: options.bundling });
  const stack = new Stack(app, 'FnTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const alarms = new AlarmTopic(stack, 'Alarms', { topicName: 'test-alarms' });
  const vpc = options.vpc
    ? new ec2.Vpc(stack, 'Vpc', {
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        natGateways: 1,
        flowLogs: { all: {} },
      })
    : undefined;
  const fn = new ObservabilityFunction(stack, 'Echo', {
    entry: ENTRY,
    serviceName: 'echo',
    description: 'test function',
    alarmTopic: alarms.topic,
    logRetention: logs.RetentionDays.TWO_WEEKS,
    logLevel: 'DEBUG',
    vpc,
  });
  return { app, stack, fn, alarms, template: Template.fromStack(stack) };
}

describe('ObservabilityFunction', () => {
  const { template, app, stack } = build();
  const fnResource = () => {
    const fns = template.findResources('AWS::Lambda::Function', { Properties: { Description: 'test function' } });
    expect(Object.keys(fns)).toHaveLength(1);
    return Object.entries(fns)[0] as [string, { Properties: Record<string, unknown> }];
  };

  it('runs on nodejs22.x, arm64, fully bundled (no layer), with Powertools settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'test function',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 30,
      Layers: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'echo',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
        }),
      },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^EchoLogs') } },
    });
    // No source maps shipped, so no --enable-source-maps (it parses every map at load: a slower cold start).
    const [, fn] = fnResource();
    expect((fn.Properties.Environment as { Variables: Record<string, string> }).Variables.NODE_OPTIONS).toBeUndefined();
  });

  it('writes to its own log group with the configured retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
    const [, fn] = fnResource();
    const logGroupRef = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(template.toJSON().Resources[logGroupRef].Properties.RetentionInDays).toBe(14);
  });

  it('sends asynchronous invocations that failed two retries to an encrypted, TLS-only queue', () => {
    const [fnId] = fnResource();
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EchoFailureQueue'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarms the alarm topic on any error and on any failed event', () => {
    const [fnId] = fnResource();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });

  it('uses its own role, without managed policies, writing only to its log group', () => {
    const [, fn] = fnResource();
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = template.toJSON().Resources[roleId];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EchoLogs'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('passes cdk-nag with every acknowledgement explained', () => {
    expect(unacknowledgedNagFindings(app)).toEqual([]);
    expect(stack.stackName).toBe('FnTest');
  });

  it('gets VPC placement in private subnets when given a VPC', () => {
    const inVpc = build({ vpc: true });
    inVpc.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'test function',
      VpcConfig: { SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') }]) },
    });
    expect(unacknowledgedNagFindings(inVpc.app)).toEqual([]);
  });

  it('rejects a service name that is not kebab-case', () => {
    const app = newTestApp();
    const s = new Stack(app, 'Bad');
    const alarms = new AlarmTopic(s, 'Alarms', { topicName: 'x' });
    expect(
      () =>
        new ObservabilityFunction(s, 'Fn', {
          entry: ENTRY,
          serviceName: 'Echo Service',
          description: 'x',
          alarmTopic: alarms.topic,
          logRetention: logs.RetentionDays.ONE_DAY,
        }),
    ).toThrow('ObservabilityFunction Fn: serviceName must be kebab-case, got "Echo Service"');
  });
});

describe('ObservabilityFunction bundling', () => {
  const { app, template } = build({ bundling: true });
  const assembly = app.synth();

  function assetDir(logicalIdPrefix: string, type: string): string {
    const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(logicalIdPrefix));
    expect(matches).toHaveLength(1);
    const resource = matches[0]?.[1] as
      | { Properties: { Code?: { S3Key: string }; Content?: { S3Key: string } } }
      | undefined;
    const s3Key = (resource?.Properties.Code ?? resource?.Properties.Content)?.S3Key ?? '';
    return path.join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
  }

  it('emits a minified ES module, split in chunks, with middy and Powertools bundled and no source maps', () => {
    const dir = assetDir('EchoFunction', 'AWS::Lambda::Function');
    const files = fs.readdirSync(dir);
    const code = fs.readFileSync(path.join(dir, 'index.mjs'), 'utf8');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(code).not.toMatch(/from\s*"@middy\/core"/);
    expect(code).not.toMatch(/from\s*"@aws-lambda-powertools\/logger"/);
    // Minified: whitespace gone, names kept (readable stack traces without source maps).
    // (esbuild keeps the bundled packages' license comments, indented, at the end.)
    expect(code.replace(/\/\*![\s\S]*?\*\//g, '')).not.toMatch(/\n {2}\S/);
    expect(code).toContain('injectLambdaContext');
  });

  it('runs: the asset, copied outside the project (no node_modules to fall back on), handles an event', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-fn-run-'));
    try {
      fs.cpSync(assetDir('EchoFunction', 'AWS::Lambda::Function'), root, { recursive: true });
      const script =
        `const { handler } = await import(${JSON.stringify(path.join(root, 'index.mjs'))});` +
        "const result = await handler({ hello: 'world' }, { functionName: 'echo', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 1000 });" +
        'process.stdout.write(JSON.stringify(result));';
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: os.tmpdir(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual({ echoed: { hello: 'world' } });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
