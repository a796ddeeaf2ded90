import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { acceptedToken, bearerToken } from '../../adapters/bearer-token';
import type { Logger } from '../../adapters/logger';
import type { SecretSource } from '../../adapters/notifiers/notifier';

/**
 * API Gateway answers 401 when a TOKEN authorizer fails with exactly this message
 * (docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-use-lambda-authorizer.html).
 */
export const UNAUTHORIZED = 'Unauthorized';

/**
 * The webhook's TOKEN authorizer: lets `POST /alerts` through only with Alertmanager's bearer token (constant-time
 * comparison), so an unauthenticated request is refused BEFORE the webhook function runs and never uses its
 * concurrency or the queue. API Gateway caches an allow for the token (5 minutes), so Alertmanager's requests
 * rarely invoke this function at all; a flood of bad tokens only exhausts this function's own small concurrency.
 */
export function makeTokenAuthorizer(deps: {
  readonly token: SecretSource;
  /** The token before the last rotation, accepted while Alertmanager's file catches up. @default none */
  readonly previousToken?: () => Promise<string | undefined>;
  readonly logger: Logger;
}) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const given = bearerToken(event.authorizationToken);
    if (given === undefined || !(await acceptedToken(given, { current: deps.token, previous: deps.previousToken }))) {
      deps.logger.warn('alert webhook authorizer: missing or invalid bearer token');
      throw new Error(UNAUTHORIZED);
    }
    return {
      principalId: 'alertmanager',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
      },
    };
  };
}
