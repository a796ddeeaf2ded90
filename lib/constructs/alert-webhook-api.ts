import { Aws, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentName } from '../config';
import { secretName } from '../naming';
import { handlerEntry } from '../paths';
import { ObservabilityFunction, type PowertoolsLogLevel } from './observability-function';
import type { RuntimeLayer } from './runtime-layer';

/** A request budget of API Gateway (steady rate per second, burst). */
export interface RequestBudget {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface AlertWebhookApiProps {
  readonly environment: EnvironmentName;
  /** The cluster's VPC: the API's interface endpoint lives in its private subnets. */
  readonly vpc: ec2.IVpc;
  /** Who may open connections to the endpoint (Alertmanager's pods). @default the VPC's CIDR */
  readonly allowedPeer?: ec2.IPeer;
  /** Where the validated notifications go. */
  readonly queue: sqs.IQueue;
  readonly runtimeLayer: RuntimeLayer;
  readonly alarmTopic: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: PowertoolsLogLevel;
  /** Of the access log group. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** API Gateway's budget of `POST /alerts` (Alertmanager sends little; this bounds abuse). @default 20/s, burst 40 */
  readonly throttle?: RequestBudget;
  /**
   * Concurrent webhook functions, reserved for requests that passed the authorizer. 5 × ~50 ms per call serves
   * far more than the stage throttle lets through. Reserved concurrency comes out of the account's quota, which
   * must keep 10 unreserved. @default 5
   */
  readonly webhookConcurrency?: number;
  /** Concurrent authorizer functions: all that requests with unknown tokens can use. @default 2 */
  readonly authorizerConcurrency?: number;
}

/** The stage name: part of the URL (`…/alerts/alerts`). */
const STAGE_NAME = 'alerts';

/** How long API Gateway keeps an authorizer's allow for a token (its maximum is 1 hour). */
const AUTHORIZER_CACHE_TTL = Duration.minutes(5);

/**
 * Alertmanager's webhook, reachable only from the cluster: a PRIVATE REST API (`POST /alerts`) behind an
 * execute-api interface endpoint in the cluster's VPC.
 *
 * Why a private API (and not an internal load balancer or an authorizer alone): a private API has no public
 * endpoint at all — its resource policy allows `execute-api:Invoke` only through this VPC endpoint (and denies
 * everything else), and the endpoint's security group admits HTTPS only from `allowedPeer` — while keeping API
 * Gateway's throttling, access logs and authorizers, which a load balancer in front of a function lacks. Private DNS
 * stays off on the endpoint (it would send every execute-api hostname in the VPC, e.g. the public push API, to the
 * endpoint); Alertmanager uses the endpoint-specific hostname `https://<api-id>-<vpce-id>.execute-api.<region>.
 * amazonaws.com/<stage>` (docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html).
 *
 * Separate budgets, so unauthenticated traffic cannot use up Alertmanager's: a TOKEN authorizer refuses a request
 * without the bearer token BEFORE the webhook function runs; unknown tokens can only use the authorizer's own
 * small reserved concurrency, while API Gateway caches the allow for Alertmanager's token (5 minutes), so
 * Alertmanager's requests skip the authorizer and reach the webhook function, whose reserved concurrency only
 * authenticated requests use. The stage throttle caps the whole API, and only the cluster can reach it.
 */
export class AlertWebhookApi extends Construct {
  public readonly api: apigateway.RestApi;
  public readonly stage: apigateway.Stage;
  public readonly endpoint: ec2.InterfaceVpcEndpoint;
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly webhook: ObservabilityFunction;
  public readonly authorizer: ObservabilityFunction;
  public readonly accessLogs: logs.LogGroup;
  /** The URL Alertmanager's webhook_configs point at (the endpoint-specific hostname + stage + `/alerts`). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: AlertWebhookApiProps) {
    super(scope, id);
    const { environment } = props;
    const throttle = props.throttle ?? { rateLimit: 20, burstLimit: 40 };
    if (throttle.rateLimit <= 0 || throttle.burstLimit < 1) {
      throw new Error(`AlertWebhookApi ${id}: throttle must be positive, got ${JSON.stringify(throttle)}`);
    }
    const webhookConcurrency = props.webhookConcurrency ?? 5;
    const authorizerConcurrency = props.authorizerConcurrency ?? 2;
    for (const [name, value] of [
      ['webhookConcurrency', webhookConcurrency],
      ['authorizerConcurrency', authorizerConcurrency],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new Error(`AlertWebhookApi ${id}: ${name} must be ≥ 1, got ${value}`);
    }
    const common = {
      runtimeLayer: props.runtimeLayer,
      alarmTopic: props.alarmTopic,
      logRetention: props.logRetention,
      logLevel: props.logLevel,
    };

    // --- the only way in: an interface endpoint in the cluster's VPC ------------------------------------------
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: props.vpc,
      description: 'Alert webhook API endpoint: HTTPS from the cluster only',
      allowAllOutbound: false,
    });
    const peer = props.allowedPeer ?? ec2.Peer.ipv4(props.vpc.vpcCidrBlock);
    this.endpointSecurityGroup.addIngressRule(
      peer,
      ec2.Port.tcp(443),
      'Alertmanager (cluster) to the alert webhook API',
    );
    if (Token.isUnresolved(peer.uniqueId)) {
      Validations.of(this.endpointSecurityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason:
          "The only ingress is HTTPS from the VPC's own CIDR, a deploy-time value cdk-nag cannot read (it is never 0.0.0.0/0).",
      });
    }
    this.endpoint = new ec2.InterfaceVpcEndpoint(this, 'Endpoint', {
      vpc: props.vpc,
      service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.endpointSecurityGroup],
      privateDnsEnabled: false,
      open: false,
    });

    // --- functions ---------------------------------------------------------------------------------------------
    const tokenSecret = secretsmanager.Secret.fromSecretNameV2(
      this,
      'WebhookToken',
      secretName(environment, 'alert-webhook-token'),
    );
    this.authorizer = new ObservabilityFunction(this, 'Authorizer', {
      ...common,
      entry: handlerEntry('alert-webhook-authorizer'),
      serviceName: 'alert-webhook-authorizer',
      description: 'Refuses alert webhook requests without the bearer token before the webhook function runs',
      timeout: Duration.seconds(5),
      reservedConcurrentExecutions: authorizerConcurrency,
      environment: { TOKEN_SECRET_NAME: tokenSecret.secretName },
    });
    this.webhook = new ObservabilityFunction(this, 'Webhook', {
      ...common,
      entry: handlerEntry('alert-webhook'),
      serviceName: 'alert-webhook',
      description: 'Alertmanager webhook: checks the bearer token, validates, enqueues for delivery',
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: webhookConcurrency,
      environment: { TOKEN_SECRET_NAME: tokenSecret.secretName, DELIVERY_QUEUE_URL: props.queue.queueUrl },
    });
    tokenSecret.grantRead(this.authorizer.role);
    tokenSecret.grantRead(this.webhook.role);
    props.queue.grantSendMessages(this.webhook.role);

    // --- the private API ---------------------------------------------------------------------------------------
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    const throughEndpoint = { 'aws:SourceVpce': this.endpoint.vpcEndpointId };
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `greenlang-${environment}-alert-webhook`,
      description: 'Alertmanager webhook of the alert fan-out (private: only through the VPC endpoint)',
      endpointConfiguration: { types: [apigateway.EndpointType.PRIVATE], vpcEndpoints: [this.endpoint] },
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            effect: iam.Effect.ALLOW,
            principals: [new iam.AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
            conditions: { StringEquals: throughEndpoint },
          }),
          new iam.PolicyStatement({
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
            conditions: { StringNotEquals: throughEndpoint },
          }),
        ],
      }),
      // Execution logs need an account-wide CloudWatch role; access logs (below) do not.
      cloudWatchRole: false,
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    this.stage = this.api.deploymentStage;
    const authorizer = new apigateway.TokenAuthorizer(this, 'TokenAuthorizer', {
      handler: this.authorizer.function,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });
    this.api.root.addResource('alerts').addMethod('POST', new apigateway.LambdaIntegration(this.webhook.function), {
      authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      requestValidatorOptions: { validateRequestBody: false, validateRequestParameters: true },
    });
    this.url = `https://${this.api.restApiId}-${this.endpoint.vpcEndpointId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${STAGE_NAME}/alerts`;

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Private API: reachable only through the VPC endpoint in the cluster VPC (resource policy on aws:SourceVpce, endpoint security group), so there is no internet traffic for WAF to filter.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Alertmanager has no Cognito identity: it sends a bearer token (http_config.authorization), checked by the TOKEN authorizer against the Secrets Manager secret.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs an account-wide API Gateway CloudWatch role this app does not own; access logs (JSON, every request) and the functions’ own logs cover the webhook.',
      },
      {
        id: 'AwsSolutions-APIG2',
        reason:
          "The webhook function validates the body against Alertmanager's v4 payload and answers 400 naming every bad field; an API Gateway model would duplicate that check with less precise errors.",
      },
    );
  }
}
