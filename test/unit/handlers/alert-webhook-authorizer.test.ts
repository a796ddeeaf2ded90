import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { makeTokenAuthorizer, UNAUTHORIZED } from '../../../lambdas/handlers/alert-webhook-authorizer/handler';
import { captureLogger } from '../../support/alerts';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:111111111111:abc123/alerts/POST/alerts';
const event = (authorizationToken: string): APIGatewayTokenAuthorizerEvent => ({
  type: 'TOKEN',
  methodArn: METHOD_ARN,
  authorizationToken,
});

describe('alert webhook TOKEN authorizer', () => {
  const logger = captureLogger();
  const authorize = makeTokenAuthorizer({ token: async () => 's3cret-token', logger });

  it('allows exactly the invoked method for the right bearer token', async () => {
    expect(await authorize(event('Bearer s3cret-token'))).toEqual({
      principalId: 'alertmanager',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
      },
    });
  });

  it.each([
    [''],
    ['s3cret-token'],
    ['Basic czNjcmV0LXRva2Vu'],
    ['Bearer wrong'],
    ['Bearer s3cret-token-but-longer'],
    ['Bearer s3cret-toke'],
  ])('refuses %j with "Unauthorized" (API Gateway answers 401) and logs no token', async (header) => {
    await expect(authorize(event(header))).rejects.toThrow(UNAUTHORIZED);
    expect(logger.lines.join('\n')).not.toContain('s3cret');
  });

  it('during a rotation accepts the token before it too (Alertmanager reads a file that syncs within the hour)', async () => {
    const rotating = makeTokenAuthorizer({
      token: async () => 'new-token',
      previousToken: async () => 's3cret-token',
      logger,
    });
    for (const token of ['new-token', 's3cret-token']) {
      expect((await rotating(event(`Bearer ${token}`))).principalId).toBe('alertmanager');
    }
    await expect(rotating(event('Bearer older-token'))).rejects.toThrow(UNAUTHORIZED);
    // No previous version yet: only the current one.
    const fresh = makeTokenAuthorizer({ token: async () => 'new-token', previousToken: async () => undefined, logger });
    await expect(fresh(event('Bearer s3cret-token'))).rejects.toThrow(UNAUTHORIZED);
  });
});
