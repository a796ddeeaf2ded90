import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IDEMPOTENCY_TTL_SECONDS } from '../../lambdas/domain/alerts/idempotency';
import { deadLetterAfterSeconds, redeliveryHorizonSeconds } from '../../lambdas/domain/alerts/redelivery';
import { durationSeconds } from '../../lambdas/domain/sizing';
import { ROUTE_TIMING } from '../../lib/alerting/alertmanager-config';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import { AlertFanout, type AlertFanoutProps } from '../../lib/constructs/alert-fanout';
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
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    natGateways: 1,
  });
  Validations.of(vpc).acknowledge({
    id: 'AwsSolutions-VPC7',
    reason: 'A test VPC: the real one (NetworkStack) has flow logs.',
  });
  const fanout = new AlertFanout(stack, 'AlertFanout', {
    environment: 'prod',
    alerting,
    vpc,
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

  const ref = (construct: { node: { defaultChild?: unknown } }) =>
    stack.resolve((construct.node.defaultChild as { ref: string }).ref) as { Ref: string };
  const endpointRef = ref(fanout.webhookApi.endpoint);

  describe('the webhook is not publicly invocable', () => {
    it('is a PRIVATE REST API bound to its VPC endpoint, and there is no public HTTP API or function URL', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: [endpointRef] },
      });
      template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
      template.resourceCountIs('AWS::Lambda::Url', 0);
    });

    it('allows execute-api:Invoke only through that endpoint and denies everything else', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        Policy: {
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: '*' },
              Action: 'execute-api:Invoke',
              Resource: 'execute-api:/*',
              Condition: { StringEquals: { 'aws:SourceVpce': endpointRef } },
            },
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'execute-api:Invoke',
              Resource: 'execute-api:/*',
              Condition: { StringNotEquals: { 'aws:SourceVpce': endpointRef } },
            },
          ],
        },
      });
    });

    it('puts the endpoint in the private subnets, without private DNS, open to HTTPS from the VPC only', () => {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: 'com.amazonaws.eu-west-1.execute-api',
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: false,
      });
      const groupId = stack.resolve(fanout.webhookApi.endpointSecurityGroup.securityGroupId);
      const groups = template.findResources('AWS::EC2::SecurityGroup');
      const group = groups[groupId['Fn::GetAtt'][0]] as { Properties: { SecurityGroupIngress: unknown[] } };
      expect(group.Properties.SecurityGroupIngress).toEqual([
        expect.objectContaining({
          CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/^Vpc/), 'CidrBlock'] },
          FromPort: 443,
          ToPort: 443,
          IpProtocol: 'tcp',
        }),
      ]);
      expect(JSON.stringify(groups)).not.toContain('0.0.0.0/0');
    });

    it('refuses requests without the bearer token in a TOKEN authorizer before the webhook function runs', () => {
      const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as {
        Properties: { HttpMethod: string; AuthorizationType: string; AuthorizerId?: unknown };
      }[];
      expect(methods.map((m) => [m.Properties.HttpMethod, m.Properties.AuthorizationType])).toEqual([
        ['POST', 'CUSTOM'],
      ]);
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'TOKEN',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 300,
      });
      template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'alerts' });
    });

    it('lets only this API invoke the webhook function', () => {
      const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as {
        Properties: { FunctionName: unknown; Principal: string; SourceArn?: unknown };
      }[];
      const webhookFn = stack.resolve(fanout.webhook.function.functionArn);
      const forWebhook = permissions.filter(
        (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(webhookFn),
      );
      expect(forWebhook.length).toBeGreaterThan(0);
      for (const p of forWebhook) {
        expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
        expect(JSON.stringify(p.Properties.SourceArn)).toContain(ref(fanout.api).Ref);
      }
    });

    it('gives Alertmanager the endpoint-specific URL: <api-id>-<vpce-id>.execute-api.<region>/<stage>/alerts', () => {
      const url = JSON.stringify(stack.resolve(fanout.alertWebhookUrl));
      expect(url).toContain(ref(fanout.api).Ref);
      expect(url).toContain(endpointRef.Ref);
      expect(url).toMatch(/\.execute-api\./);
      expect(url).toMatch(/\/alerts\/alerts"/);
    });
  });

  it('keeps separate budgets: the stage throttle, the authorizer (unknown tokens) and the webhook (Alertmanager)', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'alerts',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
      ]),
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'alert-webhook-authorizer' }) },
      ReservedConcurrentExecutions: 2,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'alert-webhook' }) },
      ReservedConcurrentExecutions: 5,
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

  it('delivers from the queue with partial batch failures, at most 10 notifications in flight, and a DLQ after 5 receives', () => {
    // Records of a batch are delivered in parallel (Powertools' default), so batch size x concurrency is what is in
    // flight at once: Slack takes about one message per second per webhook.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      MaximumMessageSize: 1_048_576,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
  });

  it('remembers a delivery longer than the queue can redeliver it, and shorter than Alertmanager repeats it', () => {
    const queues = template.findResources('AWS::SQS::Queue', {
      Properties: { RedrivePolicy: Match.objectLike({ maxReceiveCount: Match.anyValue() }) },
    });
    const [queue] = Object.values(queues) as {
      Properties: { VisibilityTimeout: number; RedrivePolicy: { maxReceiveCount: number } };
    }[];
    if (!queue) throw new Error('the fan-out queue');
    const { maxReceiveCount } = queue.Properties.RedrivePolicy;
    const horizon = redeliveryHorizonSeconds(maxReceiveCount, queue.Properties.VisibilityTimeout);
    // Worst case (every wait left at the 12-minute visibility timeout or longer): 76 minutes.
    expect(horizon).toBe(4560);
    // As planned, a vendor outage is waited out about as long as the 12-minute timeout gave before (5 x 720 s).
    expect(deadLetterAfterSeconds(maxReceiveCount)).toBeGreaterThanOrEqual(0.8 * maxReceiveCount * 720);
    expect(IDEMPOTENCY_TTL_SECONDS).toBeGreaterThan(horizon);
    expect(IDEMPOTENCY_TTL_SECONDS).toBeLessThan(durationSeconds(ROUTE_TIMING.repeat_interval) ?? Number.NaN);
  });

  it('lets the delivery function shorten the wait of a failed record on its queue', () => {
    const queueArn = JSON.stringify(stack.resolve(fanout.queue.queueArn));
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
    );
    const onQueue = statements.filter((st) => JSON.stringify((st as { Resource: unknown }).Resource) === queueArn);
    expect(onQueue.flatMap((st) => [(st as { Action: string | string[] }).Action].flat())).toContain(
      'sqs:ChangeMessageVisibility',
    );
  });

  it('alarms on the dead-letter queue itself as soon as one message is visible, to the alarm topic', () => {
    const dlqName = stack.resolve(fanout.deadLetterQueue.queueName);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: dlqName }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('^Alarms') })],
    });
    // The dead-letter queue is the main queue's redrive target AND where the function sends permanent refusals,
    // so both paths reach the message the alarm watches.
    const dlqArn = stack.resolve(fanout.deadLetterQueue.queueArn);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: dlqArn, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      MaximumMessageSize: 1_048_576,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'alert-delivery',
          DEAD_LETTER_QUEUE_URL: stack.resolve(fanout.deadLetterQueue.queueUrl),
          // The queue it consumes: failed records' waits are set on it (ChangeMessageVisibility).
          DELIVERY_QUEUE_URL: stack.resolve(fanout.queue.queueUrl),
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Resource: Match.arrayWith([dlqArn]),
          }),
        ]),
      },
      Roles: [stack.resolve(fanout.delivery.role.roleName)],
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

  it('lets the delivery function make exactly the idempotency and order calls on its table: no scan, query or batch', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties
          .PolicyDocument.Statement,
    );
    const dynamo = statements.flatMap((st) => [st.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo.sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
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
      const url = stacks.ops.resolve(stacks.ops.alertWebhookUrl) as { 'Fn::Join': [string, unknown[]] };
      expect(url['Fn::Join'][1][0]).toBe('https://');
      expect(url['Fn::Join'][1].at(-1)).toBe('/alerts/alerts');
    }
  });
});
