import { Aws, CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { bucketAuditEnv } from '../../lambdas/contracts/bucket-audit';
import { REPORT_PREFIXES } from '../../lambdas/domain/report-keys';
import { type RetentionPolicy, retentionPolicyProblems } from '../../lambdas/domain/retention';
import { handlerEntry } from '../paths';
import { type FunctionDefaults, functionDefaults, ObservabilityFunction } from './observability-function';

export interface BucketAuditProps extends FunctionDefaults {
  /** The retention table: the audit's thresholds (passed to the function as JSON). */
  readonly retention: RetentionPolicy;
  /** Hour (UTC) of the daily run. */
  readonly hourUtc: number;
  /** Environment name, shown in the notification subject. */
  readonly environmentName: string;
  /** The Thanos bucket, read strictly read-only. */
  readonly thanosBucket: s3.IBucket;
  readonly thanosKey: kms.IKey;
  /** Where reports (`audit/`) and state (`audit-state/`) go. */
  readonly reportsBucket: s3.IBucket;
  readonly reportsKey: kms.IKey;
  /** Where the summary goes when there are warning or critical findings. */
  readonly summaryTopic: sns.ITopic;
  /** Key of the summary topic, if it is encrypted with a customer-managed key. */
  readonly summaryTopicKey?: kms.IKey;
  /** Sized for 100k blocks (~400k objects listed, one state document in memory). @default 2048 */
  readonly memorySize?: number;
  /** @default 15 minutes (the Lambda maximum; a first run over 100k blocks reads every meta.json) */
  readonly timeout?: Duration;
  /** meta.json reads in flight. @default 32 */
  readonly readConcurrency?: number;
}

/**
 * A bucket's ARN and how cdk-nag prints it. Buckets with a literal name (ours are deterministic, see naming.ts)
 * get a literal ARN: no cross-stack export, and the same finding id in every validation pass.
 */
function bucketArn(bucket: s3.IBucket): { arn: string; nag: string; name: string } {
  const cfn = bucket.node.defaultChild;
  const name =
    cfn instanceof s3.CfnBucket && typeof cfn.bucketName === 'string' && !Token.isUnresolved(cfn.bucketName)
      ? cfn.bucketName
      : Token.isUnresolved(bucket.bucketName)
        ? undefined
        : bucket.bucketName;
  if (name !== undefined) {
    return { arn: `arn:${Aws.PARTITION}:s3:::${name}`, nag: `arn:<AWS::Partition>:s3:::${name}`, name };
  }
  if (cfn instanceof CfnElement) {
    return { arn: bucket.bucketArn, nag: `<${Stack.of(cfn).resolve(cfn.logicalId)}.Arn>`, name: bucket.bucketName };
  }
  return { arn: bucket.bucketArn, nag: bucket.bucketArn, name: bucket.bucketName };
}

/** Metric the function emits (Powertools EMF, dimension `service`); the critical-findings alarm watches it. */
export const AUDIT_CRITICAL_METRIC = 'AuditCriticalFindings';
/** Powertools service name of the audit function: the `service` dimension of every metric it emits. */
export const BUCKET_AUDIT_SERVICE_NAME = 'bucket-audit';
/** Namespace of the audit's EMF metrics (ObservabilityFunction's POWERTOOLS_METRICS_NAMESPACE); the dashboards read it. */
export const BUCKET_AUDIT_METRICS_NAMESPACE = 'GreenLang/Observability';
const SERVICE_NAME = BUCKET_AUDIT_SERVICE_NAME;
const METRICS_NAMESPACE = BUCKET_AUDIT_METRICS_NAMESPACE;

/**
 * The daily Thanos bucket audit: a function that reads the Thanos bucket read-only (list, meta.json, deletion
 * marks, lifecycle, encryption, public access block), writes its report and state to the reports bucket,
 * publishes a summary on warning/critical findings, and an alarm on critical findings.
 */
export class BucketAudit extends Construct {
  public readonly fn: ObservabilityFunction;
  public readonly schedule: events.Rule;
  public readonly criticalFindingsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BucketAuditProps) {
    super(scope, id);
    if (!Number.isInteger(props.hourUtc) || props.hourUtc < 0 || props.hourUtc > 23) {
      throw new Error(`BucketAudit ${id}: hourUtc must be a whole hour 0..23, got ${props.hourUtc}`);
    }
    const problems = retentionPolicyProblems(props.retention);
    if (problems.length > 0) throw new Error(`BucketAudit ${id}: invalid retention policy: ${problems.join('; ')}`);
    const readConcurrency = props.readConcurrency ?? 32;
    if (!Number.isInteger(readConcurrency) || readConcurrency < 1 || readConcurrency > 256) {
      throw new Error(`BucketAudit ${id}: readConcurrency must be 1..256, got ${readConcurrency}`);
    }

    const thanos = bucketArn(props.thanosBucket);
    const reports = bucketArn(props.reportsBucket);
    this.fn = new ObservabilityFunction(this, 'Function', {
      entry: handlerEntry('bucket-audit'),
      serviceName: SERVICE_NAME,
      description: 'Daily audit of the Thanos bucket against its retention policy (read-only)',
      ...functionDefaults(props),
      memorySize: props.memorySize ?? 2048,
      timeout: props.timeout ?? Duration.minutes(15),
      // One scheduled run a day: a retry of a failed run is the next day's run (and the error alarm).
      asyncRetryAttempts: 0,
      environment: bucketAuditEnv.render({
        thanosBucket: thanos.name,
        reportsBucket: reports.name,
        summaryTopicArn: props.summaryTopic.topicArn,
        retentionPolicy: JSON.stringify(props.retention),
        environmentName: props.environmentName,
        readConcurrency: String(readConcurrency),
      }),
    });
    const role = this.fn.role;

    // The Thanos bucket: read only. No s3:PutObject, s3:DeleteObject or any other write, ever.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ThanosBucketReadConfiguration',
        actions: [
          's3:ListBucket',
          's3:GetLifecycleConfiguration',
          's3:GetEncryptionConfiguration',
          's3:GetBucketPublicAccessBlock',
        ],
        resources: [thanos.arn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ThanosBucketReadBlocks',
        actions: ['s3:GetObject'],
        resources: [`${thanos.arn}/*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ThanosKeyDecrypt',
        actions: ['kms:Decrypt'],
        resources: [props.thanosKey.keyArn],
      }),
    );

    // The reports bucket: read and write the audit's own prefixes. ListBucket lets a missing state read as
    // NoSuchKey instead of AccessDenied.
    const reportObjects = [REPORT_PREFIXES.audit, REPORT_PREFIXES.auditState].map((p) => `${reports.arn}/${p}*`);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReportsReadWrite',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: reportObjects,
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReportsList',
        actions: ['s3:ListBucket'],
        resources: [reports.arn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReportsKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.reportsKey.keyArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SummaryPublish',
        actions: ['sns:Publish'],
        resources: [props.summaryTopic.topicArn],
      }),
    );
    if (props.summaryTopicKey) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SummaryTopicKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.summaryTopicKey.keyArn],
        }),
      );
    }

    this.schedule = new events.Rule(this, 'Daily', {
      description: `Runs the Thanos bucket audit daily at ${String(props.hourUtc).padStart(2, '0')}:00 UTC`,
      schedule: events.Schedule.cron({ minute: '0', hour: String(props.hourUtc) }),
      targets: [new targets.LambdaFunction(this.fn.function, { retryAttempts: 2, maxEventAge: Duration.hours(2) })],
    });

    this.criticalFindingsAlarm = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: AUDIT_CRITICAL_METRIC,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: 'Maximum',
      period: Duration.days(1),
    }).createAlarm(this, 'CriticalFindings', {
      alarmDescription:
        'The Thanos bucket audit found critical problems (overlaps, unreadable storage classes, expiring lifecycle, encryption, public access, stalled uploads): see audit/latest.json in the reports bucket',
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.criticalFindingsAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));

    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${thanos.nag}/*]`,
      reason:
        's3:GetObject only (read-only): block folders are named by ULIDs the audit discovers by listing, so no narrower object ARN exists.',
    });
    for (const prefix of [REPORT_PREFIXES.audit, REPORT_PREFIXES.auditState]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${reports.nag}/${prefix}*]`,
        reason: `The audit's own prefix ${prefix} of the reports bucket: dated report keys and per-bucket state keys are created at run time.`,
      });
    }
  }
}
