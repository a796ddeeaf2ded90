import { Match, Template } from 'aws-cdk-lib/assertions';
import { pushIngestEnv } from '../../lambdas/contracts/push-ingest';
import { loadEnvironmentConfig } from '../../lib/config';
import type { PushIngestionProps } from '../../lib/constructs/push-ingestion';
import { PUSHGATEWAY_AUTH_USER, PUSHGATEWAY_PASSWORD_LENGTH } from '../../lib/k8s/pushgateway-auth';
import { pushgatewayReplicaUrl, secretName } from '../../lib/naming';
import { synthesizeEnvironment } from '../support/cdk';
import { testPushIngestion } from '../support/group-store-table';

describe('PushIngestion in the ops stack', () => {
  const config = loadEnvironmentConfig('prod');
  const env = synthesizeEnvironment('prod');
  const template = env.template(env.stacks.ops);

  it('routes PUT, POST and DELETE /metrics/{proxy+} through the JWT authorizer of the configured issuer', () => {
    for (const method of ['PUT', 'POST', 'DELETE']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${method} /metrics/{proxy+}`,
        AuthorizationType: 'JWT',
      });
    }
    // The push API has exactly these three routes (other APIs of the ops stack have their own).
    const pushRoutes = Object.keys(template.findResources('AWS::ApiGatewayV2::Route')).filter((id) =>
      id.startsWith('PushIngestion'),
    );
    expect(pushRoutes).toHaveLength(3);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: config.ingest.jwtIssuer, Audience: config.ingest.jwtAudience },
    });
    // Every push route asks for one of the configured scopes: a token of the audience alone (an ID token, another
    // client's) is not enough.
    expect(config.ingest.jwtScopes).toEqual(['greenlang/push']);
    const routes = Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).filter(([id]) =>
      id.startsWith('PushIngestion'),
    );
    for (const [, route] of routes) {
      expect((route as { Properties: { AuthorizationScopes?: string[] } }).Properties.AuthorizationScopes).toEqual(
        config.ingest.jwtScopes,
      );
    }
  });

  it('throttles the stage as configured and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({
        ThrottlingRateLimit: config.ingest.throttle.rateLimit,
        ThrottlingBurstLimit: config.ingest.throttle.burstLimit,
      }),
      AccessLogSettings: Match.objectLike({
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('requestId'),
      }),
    });
  });

  it('runs the ingest function in the VPC, pointed at both replicas, with the payload limit', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'push-ingest',
          PUSHGATEWAY_URLS: `${pushgatewayReplicaUrl('prod', 0)},${pushgatewayReplicaUrl('prod', 1)}`,
          MAX_PAYLOAD_BYTES: String(config.ingest.maxPayloadBytes),
          GROUP_STORE_TABLE: Match.anyValue(),
        }),
      },
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() }),
      Timeout: 29,
    });
  });

  it('bundles both functions whole (no layer); the repair reads only the replicas, their CA, their credentials and the store', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: Match.stringLikeRegexp('^push-') } } },
    });
    type FnProps = { Layers?: unknown; Environment: { Variables: Record<string, unknown> } };
    const byService: Record<string, FnProps> = Object.fromEntries(
      Object.values(fns).map((fn) => {
        const props = (fn as { Properties: FnProps }).Properties;
        return [String(props.Environment.Variables.POWERTOOLS_SERVICE_NAME), props];
      }),
    );
    expect(Object.keys(byService).sort()).toEqual(['push-ingest', 'push-repair']);
    for (const fn of Object.values(byService)) expect(fn.Layers).toBeUndefined();
    const repairVariables = Object.keys(byService['push-repair']?.Environment.Variables ?? {}).filter(
      (name) => !name.startsWith('POWERTOOLS_'),
    );
    expect(repairVariables.sort()).toEqual([
      'GROUP_STORE_TABLE',
      'PUSHGATEWAY_AUTH_SECRET',
      'PUSHGATEWAY_CA_PEM',
      'PUSHGATEWAY_URLS',
    ]);
    expect(template.findResources('AWS::Lambda::LayerVersion')).toEqual({});
  });

  it("generates the replicas' basic-auth user under the name External Secrets reads, readable by both functions only", () => {
    const name = secretName('prod', 'pushgateway-basic-auth');
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: name,
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ username: PUSHGATEWAY_AUTH_USER }),
        GenerateStringKey: 'password',
        PasswordLength: PUSHGATEWAY_PASSWORD_LENGTH,
        ExcludePunctuation: true,
      },
    });
    const secrets = template.findResources('AWS::SecretsManager::Secret', { Properties: { Name: name } });
    const [logicalId] = Object.keys(secrets);
    // Every function told the secret's name, and every policy granting reads on it, belong to the push functions.
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { PUSHGATEWAY_AUTH_SECRET: Match.anyValue() } } },
    });
    const services = Object.values(fns).map(
      (fn) =>
        (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables
          .POWERTOOLS_SERVICE_NAME,
    );
    expect(services.sort()).toEqual(['push-ingest', 'push-repair']);
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes(`"Ref":"${logicalId}"`),
    );
    expect(readers).toHaveLength(2);
    for (const policy of readers) expect(JSON.stringify(policy)).toContain('secretsmanager:GetSecretValue');
  });

  it('lets the functions reach the Pushgateway port in the VPC and HTTPS, nothing else', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Push ingestion'),
      SecurityGroupEgress: [
        Match.objectLike({ IpProtocol: 'tcp', FromPort: 9091, ToPort: 9091 }),
        Match.objectLike({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
      ],
    });
  });

  it('keeps the group records in a DynamoDB table with point-in-time recovery and a sparse index of owed groups, retained in prod', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          Match.objectLike({
            IndexName: 'owed',
            KeySchema: [
              { AttributeName: 'owed', KeyType: 'HASH' },
              { AttributeName: 'id', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          }),
        ],
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      }),
      DeletionPolicy: 'Retain',
    });
  });

  it('lets both functions make exactly the store calls, on the table and its owed index only', () => {
    const storeStatements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
      .filter((statement) => JSON.stringify(statement.Resource).includes('GroupStore'));
    expect(storeStatements.length).toBe(2);
    for (const statement of storeStatements) {
      expect([...(statement.Action as string[])].sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
      ]);
      const resources = JSON.stringify(statement.Resource);
      expect(resources).toMatch(/GroupStore/);
      expect(resources).toMatch(/\/index\/owed/);
      expect(resources).not.toMatch(/\*/);
    }
  });

  it('alarms on the API answering 5xx (pushes no replica could take)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
      Threshold: 1,
      AlarmActions: [Match.anyValue()],
    });
  });

  it('starts the repair every minute, one at a time, with a dead-letter queue for the schedule', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'push-repair' }) },
      ReservedConcurrentExecutions: 1,
      Timeout: 70,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
        }),
      ],
    });
    // A failed minute is not retried and a throttled event is not kept for hours (the next minute does the work).
    const repair = Object.keys(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'push-repair' }) } },
      }),
    );
    expect(repair).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: repair[0] },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 120,
    });
  });
});

describe('PushIngestion props', () => {
  const build = (overrides: Partial<PushIngestionProps>) => testPushIngestion(overrides).push;

  it('refuses no replica, a non-URL replica, no audience and payloads above the HTTP API limit', () => {
    expect(() => build({ pushgatewayUrls: [] })).toThrow('PushIngestion Push: pushgatewayUrls must not be empty');
    expect(() => build({ pushgatewayUrls: ['pushgateway:9091'] })).toThrow('"pushgateway:9091" is not an http(s) URL');
    expect(() => build({ jwtAudience: [] })).toThrow('jwtAudience must not be empty');
    expect(() => build({ maxPayloadBytes: 5 * 1024 * 1024 })).toThrow(
      "exceeds 4475424, the largest binary body that fits base64-encoded in Lambda's 6 MB synchronous payload",
    );
  });

  it('hands job grants to the ingest function as the JSON its contract reads; none: no variable (any client, any job)', () => {
    const variables = (overrides: Partial<PushIngestionProps>) => {
      const fns = Template.fromStack(testPushIngestion(overrides).stack).findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'push-ingest' } } },
      });
      const [fn] = Object.values(fns) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
      return fn?.Properties.Environment.Variables;
    };
    const granted = variables({ jobGrants: { 'etl-client': ['etl-*'] } });
    expect(granted?.PUSH_JOB_GRANTS).toBe('{"etl-client":["etl-*"]}');
    expect([...pushIngestEnv.variables.jobGrants.parse(String(granted?.PUSH_JOB_GRANTS))]).toEqual([
      ['etl-client', ['etl-*']],
    ]);
    const none = variables({ jobGrants: {} });
    expect(none?.PUSHGATEWAY_URLS).toBe('http://pushgateway-0.example:9091');
    expect(none).not.toHaveProperty('PUSH_JOB_GRANTS');
  });
});
