import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { parseRetentionPolicy } from '../../lambdas/domain/audit/policy';
import { SEED_RETENTION_POLICY } from '../../lambdas/domain/retention';
import { loadEnvironmentConfig } from '../../lib/config';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import {
  BUCKET_AUDIT_METRICS_NAMESPACE,
  BUCKET_AUDIT_SERVICE_NAME,
  BucketAudit,
} from '../../lib/constructs/bucket-audit';
import { reportsBucketName, thanosBucketName } from '../../lib/naming';
import { newTestApp, synthesizeEnvironment, unacknowledgedNagFindings } from '../support/cdk';

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
}

const config = loadEnvironmentConfig('prod');
const env = synthesizeEnvironment('prod');
const ops = env.template(env.stacks.ops);

function auditStatements(): Statement[] {
  const policies = ops.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^BucketAuditFunctionRole') }] },
  });
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const mentions = (s: Statement, text: string) => JSON.stringify(s.Resource).includes(text);

describe('BucketAudit in the prod ops stack', () => {
  it('grants exactly the read-only actions on the Thanos bucket, and nothing that writes or deletes there', () => {
    const onThanos = auditStatements().filter((s) => mentions(s, thanosBucketName(config)));
    const granted = onThanos.flatMap(actions).sort();
    expect(granted).toEqual([
      's3:GetBucketPublicAccessBlock',
      's3:GetEncryptionConfiguration',
      's3:GetLifecycleConfiguration',
      's3:GetObject',
      's3:ListBucket',
    ]);
    for (const action of auditStatements().flatMap(actions)) {
      expect(action).not.toMatch(/^(s3:\*|\*)$/);
    }
    // Writes exist only on the reports bucket's audit prefixes.
    const writers = auditStatements().filter((s) => actions(s).some((a) => /^s3:(Put|Delete)/.test(a)));
    expect(writers.map((s) => [actions(s), JSON.stringify(s.Resource)])).toEqual([
      [['s3:GetObject', 's3:PutObject'], expect.stringContaining(`${reportsBucketName(config)}/audit-state/*`)],
    ]);
    expect(JSON.stringify(writers[0]?.Resource)).toContain(`${reportsBucketName(config)}/audit/*`);
    expect(auditStatements().flatMap(actions)).not.toContain('s3:DeleteObject');
  });

  it('may decrypt with the Thanos key but never encrypt with it', () => {
    const kmsOnThanosKey = auditStatements().filter((s) => mentions(s, 'ThanosKey'));
    expect(kmsOnThanosKey.flatMap(actions)).toEqual(['kms:Decrypt']);
  });

  it('publishes to the summary topic and can use its key', () => {
    const publish = auditStatements().find((s) => actions(s).includes('sns:Publish'));
    expect(publish?.Resource).toEqual({ Ref: expect.stringMatching(/^AlarmsTopic/) });
    const key = auditStatements().find((s) => mentions(s, 'AlarmsKey'));
    expect(key && actions(key).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('runs daily at audit.hourUtc, sized for 100k blocks, with the retention table as JSON', () => {
    ops.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: `cron(0 ${config.audit.hourUtc} * * ? *)`,
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BucketAuditFunction'), 'Arn'] } })],
    });
    const fns = ops.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'bucket-audit' }) } },
    });
    const [fn] = Object.values(fns) as {
      Properties: { MemorySize: number; Timeout: number; Environment: { Variables: Record<string, unknown> } };
    }[];
    expect(fn?.Properties.MemorySize).toBe(2048);
    expect(fn?.Properties.Timeout).toBe(900);
    const vars = fn?.Properties.Environment.Variables ?? {};
    expect(vars.THANOS_BUCKET).toBe(thanosBucketName(config));
    expect(vars.REPORTS_BUCKET).toBe(reportsBucketName(config));
    expect(parseRetentionPolicy(vars.RETENTION_POLICY as string)).toEqual(config.retention);
    expect(vars.ENVIRONMENT_NAME).toBe('prod');
  });

  it("emits its metrics in the namespace and service the Thanos dashboard's CloudWatch panels select", () => {
    const fns = ops.findResources('AWS::Lambda::Function', {
      Properties: {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: BUCKET_AUDIT_SERVICE_NAME }) },
      },
    });
    const vars = Object.values(fns).map(
      (f) =>
        (f as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables,
    );
    expect(vars).toHaveLength(1);
    expect(vars[0]?.POWERTOOLS_METRICS_NAMESPACE).toBe(BUCKET_AUDIT_METRICS_NAMESPACE);
  });

  it('alarms to the alarm topic when an audit reports critical findings', () => {
    ops.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'GreenLang/Observability',
      MetricName: 'AuditCriticalFindings',
      Dimensions: [{ Name: 'service', Value: 'bucket-audit' }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(env.app).filter((f) => f.includes('BucketAudit'))).toEqual([]);
  });
});

describe('BucketAudit props', () => {
  function build(overrides: Partial<ConstructorParameters<typeof BucketAudit>[2]>) {
    const app = newTestApp();
    const stack = new Stack(app, 'AuditTest', { env: { account: '111111111111', region: 'eu-west-1' } });
    const alarms = new AlarmTopic(stack, 'Alarms', { topicName: 'test-alarms' });
    return new BucketAudit(stack, 'Audit', {
      retention: SEED_RETENTION_POLICY,
      hourUtc: 5,
      environmentName: 'test',
      thanosBucket: new s3.Bucket(stack, 'Thanos'),
      thanosKey: new kms.Key(stack, 'ThanosKey'),
      reportsBucket: new s3.Bucket(stack, 'Reports'),
      reportsKey: new kms.Key(stack, 'ReportsKey'),
      summaryTopic: alarms.topic,
      alarmTopic: alarms.topic,
      logRetention: logs.RetentionDays.ONE_WEEK,
      ...overrides,
    });
  }

  it('rejects an hour outside 0..23 and a bad retention table, naming the problem', () => {
    expect(() => build({ hourUtc: 24 })).toThrow('hourUtc must be a whole hour 0..23, got 24');
    expect(() => build({ retention: { ...SEED_RETENTION_POLICY, deleteDelayHours: 0 } })).toThrow(
      'deleteDelayHours: must be at least 1, got 0',
    );
    expect(() => build({ readConcurrency: 0 })).toThrow('readConcurrency must be 1..256, got 0');
  });
});
