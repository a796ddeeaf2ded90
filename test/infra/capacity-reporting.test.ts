import { Match } from 'aws-cdk-lib/assertions';
import { decodeCapacityConfig } from '../../lambdas/contracts/capacity-config-codec';
import { buildEnvironment } from '../../lib/app';
import { loadEnvironmentConfig } from '../../lib/config';
import { reportsBucketName, thanosBucketName, thanosQueryUrl } from '../../lib/naming';
import { newTestApp, synthesizeEnvironment, unacknowledgedNagFindings } from '../support/cdk';

const prod = synthesizeEnvironment('prod');
const config = loadEnvironmentConfig('prod');
const ops = prod.template(prod.stacks.ops);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
/** The statements of the iam.Policy under a construct path fragment. */
function policyStatements(pathFragment: string): Statement[] {
  const policies = ops.findResources('AWS::IAM::Policy');
  const match = Object.entries(policies).find(([id]) => id.startsWith(pathFragment));
  if (!match) throw new Error(`no policy ${pathFragment}: ${Object.keys(policies).join(', ')}`);
  return (match[1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
    .Statement;
}
const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('capacity report function', () => {
  it('runs in the VPC with the Thanos Query URL, the buckets and the environment sizing', () => {
    ops.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Weekly capacity report'),
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() }),
      ReservedConcurrentExecutions: 1,
      Timeout: 120,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'capacity-report',
          QUERY_URL: thanosQueryUrl('prod'),
          THANOS_BUCKET: thanosBucketName(config),
          REPORTS_BUCKET: Match.anyValue(),
        }),
      },
    });
    const fn = Object.values(ops.findResources('AWS::Lambda::Function')).find((f) =>
      (f as { Properties: { Description?: string } }).Properties.Description?.startsWith('Weekly capacity report'),
    ) as { Properties: { Environment: { Variables: Record<string, string> } } };
    const passed = decodeCapacityConfig(fn.Properties.Environment.Variables.CAPACITY_CONFIG ?? '');
    expect(passed).toEqual({ environment: 'prod', sizing: config.sizing, retention: config.retention });
  });

  it('may write under capacity/ only, and read CloudWatch metrics', () => {
    const write = policyStatements('CapacityReportWriteReports');
    expect(actionsOf(write)).toEqual(['kms:GenerateDataKey', 's3:PutObject']);
    const put = write.find((s) => s.Action === 's3:PutObject');
    expect(put?.Resource).toBe(`arn:aws:s3:::${reportsBucketName(config)}/capacity/*`);
    const read = policyStatements('CapacityReportReadBucketMetrics');
    expect(read).toEqual([
      expect.objectContaining({ Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], Resource: '*' }),
    ]);
  });

  it('is scheduled weekly at the configured local time (EventBridge Scheduler with a time zone)', () => {
    ops.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `cron(0 ${config.capacityReport.hour} ? * ${config.capacityReport.dayOfWeek} *)`,
      ScheduleExpressionTimezone: config.capacityReport.timezone,
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CapacityReportFunction'), 'Arn'] } }),
    });
  });
});

describe('weekly summary', () => {
  it('publishes to an encrypted, TLS-only topic with the recipients subscribed by email', () => {
    ops.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'greenlang-prod-weekly-summary',
      KmsMasterKeyId: Match.anyValue(),
    });
    for (const email of config.alerting.email.recipients) {
      ops.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: Match.stringLikeRegexp('^WeeklySummaryTopic') },
      });
    }
  });

  it('is scheduled at the configured weekly summary time, passing its scheduled time and counting weeks in its zone', () => {
    ops.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `cron(0 ${config.weeklySummary.hour} ? * ${config.weeklySummary.dayOfWeek} *)`,
      ScheduleExpressionTimezone: config.weeklySummary.timezone,
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WeeklySummaryFunction'), 'Arn'] },
        // The handler's `now`: the schedule's time, the same for a retried delivery.
        Input: JSON.stringify({ now: '<aws.scheduler.scheduled-time>' }),
      }),
    });
    ops.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Weekly email summary: alerts, audit findings, capacity headline',
      Environment: { Variables: Match.objectLike({ SUMMARY_TIME_ZONE: config.weeklySummary.timezone }) },
    });
  });

  it('reads only alert history, capacity and the latest audit, writes only summary/, publishes only to its topic', () => {
    const statements = policyStatements('WeeklySummaryAccess');
    const text = (s: Statement | undefined) => JSON.stringify(s?.Resource);
    const list = statements.find((s) => s.Action === 's3:ListBucket');
    // Unconditioned: a missing latest report must read as NoSuchKey, not AccessDenied (S3 GetObject permissions).
    expect(list?.Condition).toBeUndefined();
    expect(JSON.stringify(list?.Resource)).toMatch(/ReportsBucket|arn:aws:s3:::/);
    const get = text(statements.find((s) => s.Action === 's3:GetObject'));
    const objects = (...keys: string[]) =>
      JSON.stringify(keys.map((k) => `arn:aws:s3:::${reportsBucketName(config)}/${k}`));
    expect(get).toBe(objects('alert-history/*', 'audit/latest.json', 'capacity/*'));
    expect(statements.find((s) => s.Action === 's3:PutObject')?.Resource).toBe(
      `arn:aws:s3:::${reportsBucketName(config)}/summary/*`,
    );
    expect(text(statements.find((s) => s.Action === 'sns:Publish'))).toMatch(/WeeklySummaryTopic/);
    expect(actionsOf(statements)).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sns:Publish',
    ]);
  });

  it('is left out when weeklySummary is disabled', () => {
    const app = newTestApp();
    const disabled = { ...config, weeklySummary: { ...config.weeklySummary, enabled: false } };
    const stacks = buildEnvironment(app, disabled);
    expect(stacks.ops.weeklySummary).toBeUndefined();
    expect(stacks.ops.capacityReport.fn.function.node.path).toBe('greenlang-prod-ops/CapacityReport/Function/Function');
  });
});

describe('cdk-nag', () => {
  it.each(['dev', 'prod'] as const)('%s has no unacknowledged findings', (env) => {
    expect(unacknowledgedNagFindings(synthesizeEnvironment(env).app)).toEqual([]);
  });
});
