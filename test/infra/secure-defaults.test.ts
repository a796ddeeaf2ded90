import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  buildEncryptedTopic,
  buildHttpApiAccessLogs,
  buildKmsBucket,
  buildQueueWithDeadLetter,
  buildRestApiAccessLogs,
} from '../../lib/constructs/secure-defaults';
import { newTestApp } from '../support/cdk';

function stack(): Stack {
  return new Stack(newTestApp(), 'Secure', { env: { account: '111111111111', region: 'eu-west-1' } });
}

describe('secure-defaults builders', () => {
  it('a queue with a dead-letter queue: both encrypted and TLS-only, the DLQ kept 14 days, props overridable', () => {
    const s = stack();
    buildQueueWithDeadLetter(s, { maxReceiveCount: 3, queueProps: { retentionPeriod: Duration.days(4) } });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 4 * 24 * 3600,
      RedrivePolicy: {
        maxReceiveCount: 3,
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] },
      },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const tlsOnly = t.findResources('AWS::SQS::QueuePolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
    });
    expect(Object.keys(tlsOnly)).toHaveLength(2);
  });

  it('a topic: its own rotating key, TLS-only, email subscriptions, ids from the prefix', () => {
    const s = stack();
    buildEncryptedTopic(s, {
      topicName: 't',
      idPrefix: 'Email',
      emailRecipients: ['a@example.com'],
      keyRemovalPolicy: RemovalPolicy.DESTROY,
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: 'Encrypts the t topic' });
    t.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 't',
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EmailKey'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'a@example.com' });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('a KMS bucket: bucket key, TLS 1.2, public access blocked, access logs under its name, overrides last', () => {
    const s = stack();
    // A real logs bucket: an imported one makes CDK warn (on the console) that it cannot add the log-delivery policy.
    const logsBucket = new s3.Bucket(s, 'Logs', { bucketName: 'access-logs', enforceSSL: true });
    buildKmsBucket(s, {
      bucketName: 'gl-test-bucket',
      keyDescription: 'd',
      accessLogsBucket: logsBucket,
      bucketProps: { versioned: true },
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'gl-test-bucket',
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: true })] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: s.getLogicalId(logsBucket.node.defaultChild as s3.CfnBucket) },
        LogFilePrefix: 'gl-test-bucket/',
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    t.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });

  it('REST API access logs: a log group with the retention and JSON stage options', () => {
    const s = stack();
    const { stageOptions } = buildRestApiAccessLogs(s, { retention: logs.RetentionDays.ONE_WEEK });
    Template.fromStack(s).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    expect(stageOptions.accessLogFormat?.toString()).toContain('"requestId":"$context.requestId"');
  });

  it('HTTP API access logs: a log group with the retention, removal policy and JSON access log settings', () => {
    const s = stack();
    const { accessLogSettings } = buildHttpApiAccessLogs(s, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new apigwv2.HttpStage(s, 'Stage', {
      httpApi: new apigwv2.HttpApi(s, 'Api', { createDefaultStage: false }),
      accessLogSettings,
    });
    const template = Template.fromStack(s);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AccessLogs'), 'Arn'] } },
    });
    expect(accessLogSettings.format?.toString()).toContain('"requestId":"$context.requestId"');
  });
});
