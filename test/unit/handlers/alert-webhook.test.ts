import type { AlertNotification } from '../../../lambdas/domain/alerts/model';
import { MAX_NOTIFICATION_BYTES, makeWebhookHandler } from '../../../lambdas/handlers/alert-webhook/handler';
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

  it('accepts the token before the last rotation too, until the next one (Alertmanager syncs its file within the hour)', async () => {
    const accepted: string[] = [];
    const handler = makeWebhookHandler({
      token: async () => 'new-token',
      previousToken: async () => 's3cret-token',
      accept: async (_n, b) => {
        accepted.push(b);
        return { messageId: 'm' };
      },
      logger: captureLogger(),
    });
    const answer = (token: string) =>
      handler({ headers: { authorization: `Bearer ${token}` }, body, isBase64Encoded: false });
    expect([(await answer('new-token')).statusCode, (await answer('s3cret-token')).statusCode]).toEqual([202, 202]);
    expect((await answer('older-token')).statusCode).toBe(401);
    expect(accepted).toHaveLength(2);
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

  it('cuts a group too big for one queue message as max_alerts would, firing alerts first, and says so', async () => {
    const { handler, accepted, logger } = setup(null);
    // 200 alerts of ~6 KB: 1.2 MB, over the 1 MiB queue message; every 4th one resolved.
    const huge = notification(200, {}, (i) => ({
      status: i % 4 === 0 ? 'resolved' : 'firing',
      endsAt: i % 4 === 0 ? '2026-11-24T01:30:00Z' : '0001-01-01T00:00:00Z',
      annotations: { description: 'x'.repeat(6000) },
    }));
    const r = await handler({ headers: {}, body: JSON.stringify(huge), isBase64Encoded: false });
    expect(r.statusCode).toBe(202);
    const [{ notification: sent, body: message } = { notification: huge, body: '' }] = accepted;
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_NOTIFICATION_BYTES);
    expect(sent.alerts.length + sent.truncatedAlerts).toBe(200);
    expect(sent.truncatedAlerts).toBeGreaterThan(0);
    // The 150 firing alerts come first; what is left out is resolved alerts before any firing one.
    const firingKept = sent.alerts.filter((a) => a.status === 'firing').length;
    expect(sent.alerts.slice(0, firingKept).every((a) => a.status === 'firing')).toBe(true);
    expect(firingKept).toBe(Math.min(150, sent.alerts.length));
    expect(logger.lines.join('\n')).toContain('alert notification cut to fit one queue message');
    // As many as fit: one more would not.
    const oneMore = {
      ...sent,
      alerts: huge.alerts.slice(0, sent.alerts.length + 1),
      truncatedAlerts: sent.truncatedAlerts - 1,
    };
    expect(Buffer.byteLength(JSON.stringify(oneMore))).toBeGreaterThan(MAX_NOTIFICATION_BYTES);
  });

  it('answers 413 only when not even one alert fits in a queue message', async () => {
    const { handler, accepted } = setup(null);
    const huge = notification(2, {}, () => ({ annotations: { description: 'x'.repeat(MAX_NOTIFICATION_BYTES) } }));
    const r = await handler({ headers: {}, body: JSON.stringify(huge), isBase64Encoded: false });
    expect(r.statusCode).toBe(413);
    expect(r.body).toContain('even with one alert');
    expect(accepted).toHaveLength(0);
  });
});
