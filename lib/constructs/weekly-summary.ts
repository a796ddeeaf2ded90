import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { weeklySummaryEnv } from '../../lambdas/contracts/weekly-summary';
import { AUDIT_LATEST_KEY } from '../../lambdas/domain/capacity/report-keys';
import { REPORT_PREFIXES } from '../../lambdas/domain/report-keys';
import { objectArn, objectArnFinding } from '../nag';
import { handlerEntry } from '../paths';
import { type FunctionDefaults, functionDefaults, ObservabilityFunction } from './observability-function';
import { buildEncryptedTopic } from './secure-defaults';
import { type DayOfWeek, WeeklySchedule } from './weekly-schedule';

export interface WeeklySummaryProps extends FunctionDefaults {
  readonly environmentName: string;
  readonly topicName: string;
  /** Email addresses subscribed to the summary topic. */
  readonly recipients: readonly string[];
  readonly reportsBucket: s3.IBucket;
  /** The reports bucket's deterministic name (`reportsBucketName(config)`): IAM object ARNs are built from it. */
  readonly reportsBucketName: string;
  readonly reportsKey: kms.IKey;
  readonly schedule: { readonly dayOfWeek: DayOfWeek; readonly hour: number; readonly timezone: string };
  /** @default RemovalPolicy.RETAIN for the topic key */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/**
 * The weekly email summary: a function that reads the week's alert history, the latest audit report and the
 * capacity report from the reports bucket and publishes one plain-text email to an SNS topic with the recipients'
 * email subscriptions; scheduled weekly in the configured time zone. Outside the VPC: it only calls S3 and SNS.
 */
export class WeeklySummary extends Construct {
  public readonly fn: ObservabilityFunction;
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;
  public readonly schedule: WeeklySchedule;

  constructor(scope: Construct, id: string, props: WeeklySummaryProps) {
    super(scope, id);
    ({ topic: this.topic, key: this.key } = buildEncryptedTopic(this, {
      topicName: props.topicName,
      emailRecipients: props.recipients,
      keyRemovalPolicy: props.keyRemovalPolicy,
      topicProps: { displayName: `GreenLang observability (${props.environmentName})` },
    }));

    this.fn = new ObservabilityFunction(this, 'Function', {
      entry: handlerEntry('weekly-summary'),
      serviceName: 'weekly-summary',
      description: 'Weekly email summary: alerts, audit findings, capacity headline',
      ...functionDefaults(props),
      timeout: Duration.minutes(2),
      reservedConcurrentExecutions: 1,
      environment: weeklySummaryEnv.render({
        environmentName: props.environmentName,
        reportsBucket: props.reportsBucket.bucketName,
        summaryTopicArn: this.topic.topicArn,
        timeZone: props.schedule.timezone,
      }),
    });

    const bucket = props.reportsBucket;
    const name = props.reportsBucketName;
    const readPrefixes = [`${REPORT_PREFIXES.alertHistory}*`, `${REPORT_PREFIXES.capacity}*`];
    const policy = new iam.Policy(this, 'Access', {
      roles: [this.fn.role],
      statements: [
        // Unconditioned, as the bucket audit's: S3 answers a GetObject of a missing key 404 only to a caller with
        // s3:ListBucket on the bucket, else 403 AccessDenied (S3 API reference, GetObject, "Permissions"), and a
        // fresh environment has no audit/latest.json or capacity/latest.json yet.
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [...readPrefixes, AUDIT_LATEST_KEY].map((p) => objectArn(this, name, p)),
        }),
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [objectArn(this, name, `${REPORT_PREFIXES.summary}*`)],
        }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.reportsKey.keyArn, this.key.keyArn],
        }),
        new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
      ],
    });
    this.policy = policy;
    for (const [prefix, why] of [
      [
        REPORT_PREFIXES.alertHistory,
        'reads the alert-history objects of the week (one per notification, names unknown in advance)',
      ],
      [REPORT_PREFIXES.capacity, 'reads capacity/latest.json and links the dated HTML report'],
      [REPORT_PREFIXES.summary, 'keeps each summary as sent under summary/<date>/'],
    ] as const) {
      Validations.of(policy).acknowledge({
        id: objectArnFinding(this, name, `${prefix}*`),
        reason: `Prefix-scoped: the summary ${why}; nothing else in the reports bucket.`,
      });
    }

    this.schedule = new WeeklySchedule(this, 'Weekly', {
      function: this.fn.function,
      ...props.schedule,
      // The schedule's own time, not the invocation's: consecutive weeks then tile exactly (report-keys.ts
      // summaryWeek), and a retried delivery summarises the same week.
      input: { now: scheduler.ContextAttribute.scheduledTime },
      description: `Weekly summary email, every ${props.schedule.dayOfWeek} at ${props.schedule.hour}:00 ${props.schedule.timezone}`,
    });
  }

  /** The function's bucket, key and topic permissions (nag acknowledgements attach here). */
  public readonly policy: iam.Policy;
}
