import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundleFunction, esbuildFallbackArgs } from '../layer/bundling';
import { PROJECT_ROOT } from '../paths';
import { messagesWaitingAlarm } from './alarms';
import { buildEncryptedQueue } from './secure-defaults';

export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * What every construct that owns functions passes down to them (the stack sets it once for all). Extend it in
 * the construct's props instead of re-declaring the fields.
 */
export interface FunctionDefaults {
  /** Where the error alarm and the failure-queue alarm notify. */
  readonly alarmTopic: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: PowertoolsLogLevel;
}

/** The shared fields of a construct's props, to pass on to its functions. */
export function functionDefaults(props: FunctionDefaults): FunctionDefaults {
  return { alarmTopic: props.alarmTopic, logRetention: props.logRetention, logLevel: props.logLevel };
}

export interface ObservabilityFunctionProps extends FunctionDefaults {
  /** The handler module (`lambdas/handlers/<fn>/index.ts`), exporting `handler`. */
  readonly entry: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`), also the metrics namespace dimension. */
  readonly serviceName: string;
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  readonly environment?: Readonly<Record<string, string>>;
  /** Run in this VPC (for functions that reach in-cluster services). @default not in a VPC */
  readonly vpc?: ec2.IVpc;
  /** @default the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** @default no reserved concurrency */
  readonly reservedConcurrentExecutions?: number;
  /** Retries of asynchronous invocations before the event goes to the failure queue. @default 2 */
  readonly asyncRetryAttempts?: number;
  /** How long an asynchronous event may wait (throttled) before it goes to the failure queue. @default 6 hours */
  readonly asyncMaxEventAge?: Duration;
  /**
   * Destination of asynchronous invocations that failed every retry.
   * @default a new SSE-encrypted, TLS-only queue kept 14 days
   */
  readonly failureQueue?: sqs.IQueue;
  /** @default RemovalPolicy.DESTROY for the log group */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Last-word overrides of the function props (every inner resource can be changed). */
  readonly functionOverrides?: Partial<lambda.FunctionProps>;
}

/** The runtime every function uses; the toolchain and tests run on the same Node major. */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * The base of every project function: Node.js 22 on arm64, bundled by esbuild (ESM, code splitting, minified
 * with names kept: `lib/layer/bundling.ts`), its own log group with retention, Powertools settings, a failure destination for
 * asynchronous invocations and alarms on errors and on failed events.
 */
export class ObservabilityFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly failureQueue: sqs.IQueue;
  public readonly errorAlarm: cloudwatch.Alarm;
  public readonly failureQueueAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ObservabilityFunctionProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]*$/.test(props.serviceName)) {
      throw new Error(`ObservabilityFunction ${id}: serviceName must be kebab-case, got "${props.serviceName}"`);
    }
    const memorySize = props.memorySize ?? 256;
    if (memorySize < 128 || memorySize > 10_240) {
      throw new Error(`ObservabilityFunction ${id}: memorySize must be 128..10240 MB, got ${memorySize}`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy: write to this log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName}: ${props.description}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (props.vpc) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    this.failureQueue =
      props.failureQueue ?? buildEncryptedQueue(this, 'FailureQueue', { retentionPeriod: Duration.days(14) });

    const entry = props.entry;
    this.function = new lambda.Function(this, 'Function', {
      // The code everything else runs is the code that was tested: esbuild bundles it with the AWS SDK clients and
      // Powertools at the versions of package-lock.json. Local bundling never fails (pure JavaScript); the image
      // is only CDK's fallback contract, running the same esbuild flags (`esbuildFallbackArgs`).
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
          // A copy of the project, so npm ci writes no node_modules into the mounted source.
          command: [
            'bash',
            '-c',
            `cp -r /asset-input /tmp/project && cd /tmp/project && npm ci && npx esbuild ${esbuildFallbackArgs(entry)}`,
          ],
          local: {
            tryBundle(outputDir: string): boolean {
              bundleFunction(entry, outputDir);
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? (props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }) : undefined,
      securityGroups: props.securityGroups,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.asyncRetryAttempts ?? 2,
      maxEventAge: props.asyncMaxEventAge,
      onFailure: new destinations.SqsDestination(this.failureQueue),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'GreenLang/Observability',
        ...props.environment,
      },
      ...props.functionOverrides,
    });

    const topicAction = new cwActions.SnsAction(props.alarmTopic);
    this.errorAlarm = this.function
      .metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })
      .createAlarm(this, 'ErrorsAlarm', {
        alarmDescription: `${props.serviceName}: the function reported errors in the last 5 minutes`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.errorAlarm.addAlarmAction(topicAction);
    this.failureQueueAlarm = messagesWaitingAlarm(this, 'FailedEventsAlarm', {
      queue: this.failureQueue,
      period: Duration.minutes(5),
      description: `${props.serviceName}: asynchronous events failed every retry and wait in the failure queue`,
      topic: props.alarmTopic,
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the toolchain and every test run on Node 22, so the code tested is the code deployed. Move both together.',
    });
    if (props.vpc) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Lambda VPC networking: the EC2 network-interface actions do not support resource-level permissions.',
      });
    }
    if (!props.failureQueue) {
      Validations.of(this.failureQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter destination of the function; it has no consumer to fail.',
      });
    }
  }
}
