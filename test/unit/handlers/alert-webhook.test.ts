import type { AlertNotification } from '../../../lambdas/domain/alerts/model';
import { makeWebhookHandler } from '../../../lambdas/handlers/alert-webhook/handler';
import { captureLogger, notification } from '../../support/alerts';

function setup(token: string | null = 's3cret-token') {
  const accepted: { notification: AlertNotification; body: string }[] = [];
  let reads = 0;
  const logger = captureLogger();
  const handler = makeWebhookHandler({
    token: token
      ? async () => {
          reads++;
          return token;
        }
      : undefined,
    accept: async (n, body) => {
      accepted.push({ notification: n, body });
      return { messageId: 'm-1' };
    },
    logger,
  });
  return { handler, accepted, logger, reads: () => reads };
}

const body = JSON.stringify(notification(2));

describe('alert webhook', () => {
  it('accepts a valid payload with the right bearer token (202) and hands on the validated notification', async () => {
    const { handler, accepted } = setup();
    const r = await handler({ headers: { authorization: 'Bearer s3cret-token' }, body, isBase64Encoded: false });
    expect(r.statusCode).toBe(202);
    expect(JSON.parse(r.body ?? '')).toEqual({ status: 'accepted', messageId: 'm-1' });
    expect(accepted).toHaveLength(1);
    expect(JSON.parse(accepted[0]?.body ?? '')).toEqual(notification(2));
  });

  it('decodes a base64 body (API Gateway does that for some content types)', async () => {
    const { handler, accepted } = setup(null);
    const r = await handler({ headers: {}, body: Buffer.from(body).toString('base64'), isBase64Encoded: true });
    expect(r.statusCode).toBe(202);
    expect(accepted[0]?.notification.alerts).toHaveLength(2);
  });

  it.each([
    [{}, 'missing bearer token: send "Authorization: Bearer <token>"'],
    [{ authorization: 'Basic dXNlcjpwdw==' }, 'missing bearer token: send "Authorization: Bearer <token>"'],
    [{ Authorization: 'Bearer wrong' }, 'invalid bearer token'],
    [{ authorization: 'Bearer s3cret-token-but-longer' }, 'invalid bearer token'],
  ])('answers 401 to headers %j and enqueues nothing', async (headers, message) => {
    const { handler, accepted, logger } = setup();
    const r = await handler({ headers, body, isBase64Encoded: false });
    expect(r.statusCode).toBe(401);
    expect(r.headers?.['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.parse(r.body ?? '')).toEqual({ error: message });
    expect(accepted).toHaveLength(0);
    expect(logger.lines.join('\n')).not.toContain('s3cret-token');
  });

  it('reads the token on every request (the source caches), so a rotated token works without a redeploy', async () => {
    const { handler, reads } = setup();
    await handler({ headers: { authorization: 'Bearer s3cret-token' }, body, isBase64Encoded: false });
    await handler({ headers: { authorization: 'Bearer s3cret-token' }, body, isBase64Encoded: false });
    expect(reads()).toBe(2);
  });

  it.each([
    ['', 'empty body: expected an Alertmanager webhook payload (JSON, version 4)'],
    ['not json', 'invalid Alertmanager webhook payload: body: not valid JSON'],
    [
      JSON.stringify({ ...notification(1), receiver: '' }),
      'invalid Alertmanager webhook payload: receiver: must not be empty',
    ],
  ])('answers 400 naming the problem for %j', async (text, message) => {
    const { handler, accepted } = setup(null);
    const r = await handler({ headers: {}, body: text, isBase64Encoded: false });
    expect(r.statusCode).toBe(400);
    expect((JSON.parse(r.body ?? '') as { error: string }).error).toContain(message);
    expect(accepted).toHaveLength(0);
  });

  it('answers 413 when the notification cannot fit in one queue message, pointing at max_alerts', async () => {
    const { handler } = setup(null);
    const huge = notification(200, {}, () => ({ annotations: { description: 'x'.repeat(6000) } }));
    const r = await handler({ headers: {}, body: JSON.stringify(huge), isBase64Encoded: false });
    expect(r.statusCode).toBe(413);
    expect(r.body).toContain('max_alerts');
  });
});
