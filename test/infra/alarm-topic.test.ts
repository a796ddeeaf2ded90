import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import { newTestApp } from '../support/cdk';

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

function topicPolicy(): Statement[] {
  const app = newTestApp();
  const stack = new Stack(app, 'AlarmTopicTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  new AlarmTopic(stack, 'Alarms', { topicName: 'test-alarms' });
  const policies = Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy');
  const [policy] = Object.values(policies) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
  return policy?.Properties.PolicyDocument.Statement ?? [];
}

describe('AlarmTopic', () => {
  const statements = topicPolicy();

  it("lets this account's CloudWatch alarms publish: a topic policy replaces SNS's default, which admitted them", () => {
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '111111111111' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*' },
        },
      }),
    ]);
  });

  it('still refuses publishing without TLS', () => {
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });
});
