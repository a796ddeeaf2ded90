import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { sqsDeadLetterStore } from '../../../lambdas/adapters/dead-letters';
import { SQS_MAX_MESSAGE_BYTES } from '../../../lambdas/domain/sqs';
import { notification } from '../../support/alerts';

describe('the SQS dead-letter store', () => {
  it('keeps body and attributes within one message, cutting a notification that filled one', async () => {
    const sqs = mockClient(SQSClient);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    // About 1 MiB of alerts: what the webhook lets through at most.
    const full = notification(170, {}, () => ({ annotations: { description: 'x'.repeat(6000) } }));
    const store = sqsDeadLetterStore(new SQSClient({ region: 'eu-west-1' }), 'https://sqs.example/dlq');
    await store.put({
      key: 'k',
      target: 'slack',
      receiver: full.receiver,
      status: full.status,
      attempts: 1,
      reason: 'HTTP 400 invalid_blocks',
      answer: 'a'.repeat(2000),
      at: '2026-11-24T02:00:00Z',
      notification: full,
    });
    const [call] = sqs.commandCalls(SendMessageCommand);
    const input = call?.args[0].input;
    const attributeBytes = Object.entries(input?.MessageAttributes ?? {}).reduce(
      (sum, [name, v]) => sum + name.length + (v.DataType?.length ?? 0) + Buffer.byteLength(v.StringValue ?? ''),
      0,
    );
    expect(Buffer.byteLength(input?.MessageBody ?? '') + attributeBytes).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    const body = JSON.parse(input?.MessageBody ?? '{}') as { alerts: unknown[]; truncatedAlerts: number };
    expect(body.alerts.length + body.truncatedAlerts).toBe(170);
    sqs.restore();
  });
});
