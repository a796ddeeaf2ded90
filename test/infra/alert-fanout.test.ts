import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import { AlertFanout, type AlertFanoutProps } from '../../lib/constructs/alert-fanout';
import { RuntimeLayer } from '../../lib/constructs/runtime-layer';
import { newTestApp, synthesizeEnvironment, unacknowledgedNagFindings } from '../support/cdk';

const ALERTING: AlertFanoutProps['alerting'] = {
  slack: { enabled: true, channel: '#alerts' },
  pagerduty: { enabled: true },
  email: { criticalAlerts: true, recipients: ['oncall@example.com'] },
};

function build(alerting: AlertFanoutProps['alerting'] = ALERTING, extra: Partial<AlertFanoutProps> = {}) {
  const app = newTestApp();
  const stack = new Stack(app, 'FanoutTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const reportsKey = new kms.Key(stack, 'ReportsKey', { enableKeyRotation: true });
  const fanout = new AlertFanout(stack, 'AlertFanout', {
    environment: 'prod',
    alerting,
    runtimeLayer: new RuntimeLayer(stack, 'Layer'),
    alarmTopic: new AlarmTopic(stack, 'Alarms', { topicName: 'test-alarms' }).topic,
    reportsBucketName: 'gl-observability-reports-prod-111111111111-eu-west-1',
    reportsKey,
    logRetention: logs.RetentionDays.ONE_MONTH,
    ...extra,
  });
  return { app, stack, fanout, template: Template.fromStack(stack) };
}

describe('AlertFanout', () => {
  const { template, fanout, stack } = build();

  it('serves POST /alerts on an HTTP API with throttling and access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /alerts' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const apiId = stack.resolve(fanout.api.apiId);
    expect(stack.resolve(fanout.alertWebhookUrl)).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [apiId.Ref, 'ApiEndpoint'] }, '/alerts']],
    });
  });

  it('gives the webhook the token secret name and the queue, and lets it only send', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'alert-webhook',
          TOKEN_SECRET_NAME: 'greenlang-prod/alert-webhook-token',
          DELIVERY_QUEUE_URL: Match.anyValue(),
        }),
      },
      Timeout: 10,
    });
  });

  it('delivers from the queue with partial batch failures, bounded concurrency, and a DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('dead-letter queue'),
      Threshold: 1,
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
  });

  it('configures every target from config: secret names, PagerDuty, critical email topic with its recipients', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'alert-delivery',
          SLACK_WEBHOOK_SECRET_NAME: 'greenlang-prod/slack-webhook-url',
          PAGERDUTY_ROUTING_KEY_SECRET_NAME: 'greenlang-prod/pagerduty-routing-key',
          ALERT_EMAIL_TOPIC_ARN: Match.anyValue(),
          IDEMPOTENCY_TABLE: Match.anyValue(),
          REPORTS_BUCKET: Match.anyValue(),
        }),
      },
      Timeout: 120,
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'greenlang-prod-critical-alerts',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('keeps idempotency records in DynamoDB with a TTL attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('lets the delivery function write alert history only under alert-history/', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const puts = statements.filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.map((s) => [s.Action, s.Resource])).toEqual([
      [
        's3:PutObject',
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':s3:::gl-observability-reports-prod-111111111111-eu-west-1/alert-history/*',
            ],
          ],
        },
      ],
    ]);
  });

  it('leaves PagerDuty and email out when the environment turns them off', () => {
    const { template: off } = build({
      slack: { enabled: true, channel: '#alerts' },
      pagerduty: { enabled: false },
      email: { criticalAlerts: false, recipients: [] },
    });
    const delivery = Object.values(off.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f).includes('"alert-delivery"'),
    ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(Object.keys(delivery.Properties.Environment.Variables)).not.toContain('PAGERDUTY_ROUTING_KEY_SECRET_NAME');
    expect(Object.keys(delivery.Properties.Environment.Variables)).not.toContain('ALERT_EMAIL_TOPIC_ARN');
    off.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('rejects critical email without recipients and a bad maxReceiveCount', () => {
    expect(() => build({ ...ALERTING, email: { criticalAlerts: true, recipients: [] } })).toThrow(
      'AlertFanout AlertFanout: alerting.email.criticalAlerts needs at least one recipient',
    );
    expect(() => build(ALERTING, { maxReceiveCount: 0 })).toThrow('maxReceiveCount must be 1..1000, got 0');
    expect(() => build(ALERTING, { reportsBucketName: 'Not_A_Bucket' })).toThrow(
      'reportsBucketName must be a literal S3 bucket name, got "Not_A_Bucket"',
    );
  });

  it('is cdk-nag clean', () => {
    expect(unacknowledgedNagFindings(build().app)).toEqual([]);
  });
});

describe('OpsStack wiring', () => {
  it('exposes the fan-out URL as ops.alertWebhookUrl in every environment', () => {
    for (const env of ['dev', 'prod'] as const) {
      const { stacks } = synthesizeEnvironment(env);
      expect(stacks.ops.alertWebhookUrl).toBe(stacks.ops.alertFanout.alertWebhookUrl);
      expect(stacks.ops.resolve(stacks.ops.alertWebhookUrl)).toMatchObject({
        'Fn::Join': ['', expect.arrayContaining(['/alerts'])],
      });
    }
  });
});
