import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pushIngestEnv } from '../../lambdas/contracts/push-ingest';
import { pushRepairEnv } from '../../lambdas/contracts/push-repair';
import { GROUP_STORE_SCHEMA } from '../../lambdas/domain/group-store-schema';
import { MAX_PUSH_PAYLOAD_BYTES, type PushLimits } from '../../lambdas/domain/push-limits';
import { PUSH_METRICS_NAMESPACE, PUSH_SERVICES, REPAIR_METRICS } from '../../lambdas/domain/push-metric-names';
import { PUSHGATEWAY_AUTH_USER, PUSHGATEWAY_PASSWORD_LENGTH } from '../k8s/pushgateway-auth';
import { handlerEntry } from '../paths';
import { messagesWaitingAlarm } from './alarms';
import { type FunctionDefaults, functionDefaults, ObservabilityFunction } from './observability-function';
import { buildEncryptedQueue, buildHttpApiAccessLogs } from './secure-defaults';

export interface PushIngestionProps extends FunctionDefaults {
  /** The VPC the functions run in, to reach each Pushgateway replica. */
  readonly vpc: ec2.IVpc;
  /** Every Pushgateway replica, in order (`pushgateway-0`, `pushgateway-1`, ...). */
  readonly pushgatewayUrls: readonly string[];
  /**
   * PEM of the CA that signs the replicas' NLB certificates (`PUSHGATEWAY_CA_PEM`): the only CA the functions trust
   * for them. Requires https URLs. @default Node's public roots (for http URLs: none)
   */
  readonly pushgatewayCaPem?: string;
  /**
   * Name of the secret this construct generates with the one basic-auth user the replicas admit
   * (`{"username", "password"}`): the functions read it, and External Secrets renders the replicas' web config,
   * Prometheus' scrape credentials and the compactor's header from it (lib/k8s/pushgateway-auth.ts).
   */
  readonly pushgatewayAuthSecretName: string;
  /** Port the replicas listen on (security group egress). @default 9091 */
  readonly pushgatewayPort?: number;
  readonly jwtIssuer: string;
  readonly jwtAudience: readonly string[];
  /** Scopes a token must carry one of (`scope`/`scp` claim). @default none: any token of the audience */
  readonly jwtScopes?: readonly string[];
  /** Client id (`client_id`, `cid` or `azp` claim) → the jobs it may push to (names, or prefixes ending in `*`). @default any client, any job */
  readonly jobGrants?: Readonly<Record<string, readonly string[]>>;
  /** Largest push body accepted; the handler answers 413 above it. At most MAX_PUSH_PAYLOAD_BYTES (push-limits.ts). */
  readonly maxPayloadBytes: number;
  /** Overrides of the other per-push and per-group limits. @default DEFAULT_PUSH_LIMITS of the domain */
  readonly limits?: Partial<Omit<PushLimits, 'maxBodyBytes'>>;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Of the group store table and the log groups. @default RemovalPolicy.DESTROY */
  readonly removalPolicy?: RemovalPolicy;
  /** @default 'greenlang-push' */
  readonly apiName?: string;
}

/**
 * The push ingestion: a Pushgateway-compatible HTTP API (JWT authorizer, stage throttling, access logs) in front of
 * a Lambda in the VPC that validates each push, commits it as the next version of its group's record in a DynamoDB
 * table (the truth), and writes the group to every Pushgateway replica; and a repair function, started every
 * minute, that brings replicas to the records every 2 seconds (restarted replicas are resynchronised whole).
 * Alarms: either function's errors (the repair fails an invocation when a replica stayed unreachable), the API's
 * 5xx answers (pushes refused because no replica could take them), undelivered repair schedules, and replicas
 * the repair does not bring back in step. The functions' own figures (lambdas/domain/push-metric-names.ts) are
 * CloudWatch EMF metrics in the `GreenLang/Observability` namespace; the Pushgateway dashboard reads them.
 */
export class PushIngestion extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly ingest: ObservabilityFunction;
  public readonly repair: ObservabilityFunction;
  /** The groups' records (partition `id`), with the sparse index `owed` of those a replica still owes. */
  public readonly groupStore: dynamodb.TableV2;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The replicas' basic-auth user (generated). */
  public readonly pushgatewayAuth: secretsmanager.Secret;
  public readonly accessLogs: logs.LogGroup;
  /** Where the schedule puts repair invocations it could not deliver. */
  public readonly scheduleDeadLetterQueue: sqs.Queue;
  public readonly scheduleDeadLetterAlarm: cloudwatch.Alarm;
  /** The API answered 5xx: pushes no replica could take (clients must retry them). */
  public readonly serverErrorAlarm: cloudwatch.Alarm;
  /** Every repair pass for 15 minutes left groups some replica owes: the replicas stay out of step. */
  public readonly replicasOutOfStepAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PushIngestionProps) {
    super(scope, id);
    if (props.pushgatewayUrls.length === 0) throw new Error(`PushIngestion ${id}: pushgatewayUrls must not be empty`);
    for (const url of props.pushgatewayUrls) {
      if (!/^https?:\/\/[^/]+/.test(url)) throw new Error(`PushIngestion ${id}: "${url}" is not an http(s) URL`);
    }
    if (props.pushgatewayCaPem !== undefined && props.pushgatewayUrls.some((url) => !url.startsWith('https://'))) {
      throw new Error(`PushIngestion ${id}: pushgatewayCaPem is given, so every pushgatewayUrl must be https`);
    }
    if (props.jwtAudience.length === 0) throw new Error(`PushIngestion ${id}: jwtAudience must not be empty`);
    if (props.maxPayloadBytes > MAX_PUSH_PAYLOAD_BYTES) {
      throw new Error(
        `PushIngestion ${id}: maxPayloadBytes ${props.maxPayloadBytes} exceeds ${MAX_PUSH_PAYLOAD_BYTES}, the largest binary body that fits base64-encoded in Lambda's 6 MB synchronous payload`,
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const port = props.pushgatewayPort ?? 9091;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Push ingestion functions: Pushgateway replicas in the VPC, DynamoDB over HTTPS',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.ipv4(props.vpc.vpcCidrBlock), ec2.Port.tcp(port), 'Pushgateway replicas');
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'DynamoDB and CloudWatch endpoints (HTTPS)',
    );

    this.groupStore = new dynamodb.TableV2(this, 'GroupStore', {
      partitionKey: { name: GROUP_STORE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      globalSecondaryIndexes: [
        {
          indexName: GROUP_STORE_SCHEMA.owedIndex,
          partitionKey: { name: GROUP_STORE_SCHEMA.owedAttribute, type: dynamodb.AttributeType.STRING },
          sortKey: { name: GROUP_STORE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        },
      ],
      removalPolicy,
    });

    // Changing generateSecretString makes CloudFormation generate a new password at once, a rotation without the
    // standby step of docs/runbooks/pushgateway.md: the replicas refuse every client until External Secrets syncs.
    this.pushgatewayAuth = new secretsmanager.Secret(this, 'PushgatewayAuth', {
      secretName: props.pushgatewayAuthSecretName,
      description: 'The basic-auth user every Pushgateway replica admits (push functions, Prometheus, compactor)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: PUSHGATEWAY_AUTH_USER }),
        generateStringKey: 'password',
        // Letters and digits: inside bcrypt's 72 bytes, and nothing a YAML, shell or URL context would read.
        passwordLength: PUSHGATEWAY_PASSWORD_LENGTH,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(this.pushgatewayAuth).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotated by hand (docs/runbooks/pushgateway.md): the replicas take a new hash from External Secrets within its refresh, and the functions read the secret again when a replica refuses them.',
    });

    const limits = props.limits ?? {};
    const limit = (value: number | undefined) => (value === undefined ? undefined : String(value));
    const store = {
      pushgatewayUrls: props.pushgatewayUrls.join(','),
      pushgatewayCa: props.pushgatewayCaPem,
      pushgatewayAuthSecret: this.pushgatewayAuth.secretName,
      groupStoreTable: this.groupStore.tableName,
    };
    const common = {
      ...functionDefaults(props),
      logRemovalPolicy: removalPolicy,
      vpc: props.vpc,
      securityGroups: [this.securityGroup],
    };
    this.ingest = new ObservabilityFunction(this, 'Ingest', {
      ...common,
      entry: handlerEntry('push-ingest'),
      serviceName: PUSH_SERVICES.ingest,
      environment: pushIngestEnv.render({
        ...store,
        maxBodyBytes: String(props.maxPayloadBytes),
        maxDecompressedBytes: limit(limits.maxDecompressedBytes),
        maxSeriesPerPush: limit(limits.maxSeriesPerPush),
        maxSeriesPerGroup: limit(limits.maxSeriesPerGroup),
        maxLabelsPerSeries: limit(limits.maxLabelsPerSeries),
        maxLabelValueLength: limit(limits.maxLabelValueLength),
        maxGroups: limit(limits.maxGroups),
        ...(props.jobGrants && Object.keys(props.jobGrants).length > 0
          ? { jobGrants: JSON.stringify(props.jobGrants) }
          : {}),
      }),
      description: 'Pushgateway-compatible push API: validates each push, stores it, writes every replica',
      // Bodies up to 4.5 MB (16 MiB decompressed) are parsed in memory; more memory also means more CPU for the parser.
      memorySize: 1024,
      // API Gateway gives an integration at most 30 s.
      timeout: Duration.seconds(29),
    });
    this.repair = new ObservabilityFunction(this, 'Repair', {
      ...common,
      entry: handlerEntry('push-repair'),
      serviceName: PUSH_SERVICES.repair,
      environment: pushRepairEnv.render(store),
      description: 'Brings the Pushgateway replicas to the stored group records every 2 s',
      memorySize: 512,
      timeout: Duration.seconds(70),
      // One repair at a time: a restarted replica is resynchronised once, not by several invocations at once.
      reservedConcurrentExecutions: 1,
      // A failed minute is not retried: the next minute's run does the same work. Lambda's default (2 retries, events
      // kept 6 h while throttled) would queue three runs of ~55 s per failing minute behind one slot while a replica
      // is down, and drain that backlog into the failure queue, and its alarm, for hours after it came back.
      asyncRetryAttempts: 0,
      asyncMaxEventAge: Duration.minutes(2),
    });
    // Exactly the calls the store adapter makes, on the table and its one index (no `index/*` wildcard).
    const storeAccess = new iam.PolicyStatement({
      actions: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
      ],
      resources: [this.groupStore.tableArn, `${this.groupStore.tableArn}/index/${GROUP_STORE_SCHEMA.owedIndex}`],
    });
    this.ingest.function.addToRolePolicy(storeAccess);
    this.repair.function.addToRolePolicy(storeAccess);
    this.pushgatewayAuth.grantRead(this.ingest.role);
    this.pushgatewayAuth.grantRead(this.repair.role);

    this.scheduleDeadLetterQueue = buildEncryptedQueue(this, 'ScheduleDeadLetters', {
      retentionPeriod: Duration.days(14),
    });
    new events.Rule(this, 'RepairSchedule', {
      description: 'Starts the push repair every minute (it runs passes every 2 s within the minute)',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.repair.function, {
          deadLetterQueue: this.scheduleDeadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(5),
        }),
      ],
    });

    const accessLogs = buildHttpApiAccessLogs(this, { retention: props.logRetention, removalPolicy });
    this.accessLogs = accessLogs.logGroup;
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName ?? 'greenlang-push',
      description: 'Pushgateway-compatible push API (PUT|POST|DELETE /metrics/job/...), JWT-authenticated',
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: accessLogs.accessLogSettings,
    });
    const authorizer = new HttpJwtAuthorizer('Jwt', props.jwtIssuer, { jwtAudience: [...props.jwtAudience] });
    const scopes = props.jwtScopes ?? [];
    this.api.addRoutes({
      path: '/metrics/{proxy+}',
      methods: [apigwv2.HttpMethod.PUT, apigwv2.HttpMethod.POST, apigwv2.HttpMethod.DELETE],
      integration: new HttpLambdaIntegration('Ingest', this.ingest.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      authorizer,
      // A token of the audience must also carry one of these scopes (RFC 6749 scope tokens; none: not checked).
      ...(scopes.length > 0 ? { authorizationScopes: [...scopes] } : {}),
    });

    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the repair schedule target; it has no consumer to fail.',
    });
    this.scheduleDeadLetterAlarm = messagesWaitingAlarm(this, 'ScheduleDeadLettersAlarm', {
      queue: this.scheduleDeadLetterQueue,
      period: Duration.minutes(5),
      description: 'push-repair: the schedule could not start the repair function (the replicas may drift apart)',
      topic: props.alarmTopic,
    });
    this.serverErrorAlarm = this.api
      .metricServerError({ period: Duration.minutes(5), statistic: 'Sum' })
      .createAlarm(this, 'ServerErrorsAlarm', {
        alarmDescription:
          'push-ingest: pushes answered 5xx (no Pushgateway replica could take them; nothing was applied)',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.serverErrorAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));

    // Misses alone are no alarm (a replica restarting misses pushes for seconds, and the repair owes them); a
    // backlog the repair never clears is. Minimum over 5 minutes: one pass in the period with nothing owed is enough
    // to stay quiet. No data (no pass ran) is the schedule's and the errors' alarm, not this one.
    this.replicasOutOfStepAlarm = new cloudwatch.Metric({
      namespace: PUSH_METRICS_NAMESPACE,
      metricName: REPAIR_METRICS.stillOwed,
      dimensionsMap: { service: PUSH_SERVICES.repair },
      statistic: 'Minimum',
      period: Duration.minutes(5),
    }).createAlarm(this, 'ReplicasOutOfStepAlarm', {
      alarmDescription:
        'push-repair: for 15 minutes every repair pass left groups a Pushgateway replica still owes (replicas serve different data; see the Pushgateway dashboard, "Push ingestion" rows)',
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.replicasOutOfStepAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }
}
