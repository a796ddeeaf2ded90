import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { type SnsStandIn, startSnsStandIn } from '../../../lib/devstack/sns-standin';

describe('the SNS stand-in, driven by the real AWS SDK client', () => {
  let sns: SnsStandIn;
  let client: SNSClient;
  const TopicArn = 'arn:aws:sns:eu-west-1:111111111111:greenlang-dev-summary';

  beforeAll(async () => {
    sns = await startSnsStandIn();
    client = new SNSClient({
      region: 'eu-west-1',
      endpoint: sns.url,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await sns.stop();
  });

  it('accepts a publish, answers a message id and records the message', async () => {
    const result = await client.send(
      new PublishCommand({ TopicArn, Subject: 'Weekly summary', Message: 'line 1\nline 2' }),
    );
    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sns.published.at(-1)).toEqual(
      expect.objectContaining({
        messageId: result.MessageId,
        topicArn: TopicArn,
        subject: 'Weekly summary',
        message: 'line 1\nline 2',
      }),
    );
  });

  it.each([
    [
      'a subject over 100 characters',
      { Subject: 'x'.repeat(101), Message: 'm' },
      'Subject must be 1 to 100 characters',
    ],
    ['a subject with a newline', { Subject: 'a\nb', Message: 'm' }, 'Subject contains control or non-ASCII characters'],
    [
      'a non-ASCII subject',
      { Subject: 'Zusammenfassung für KW 48', Message: 'm' },
      'Subject contains control or non-ASCII characters',
    ],
    ['a message over 256 KB', { Message: 'x'.repeat(262_145) }, 'Message too long'],
  ])('refuses %s like SNS does', async (_case, input, message) => {
    const before = sns.published.length;
    await expect(client.send(new PublishCommand({ TopicArn, ...input }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: `Invalid parameter: ${message}`,
    });
    expect(sns.published).toHaveLength(before);
  });
});
