import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { encodeCapacityConfig } from '../../lambdas/contracts/capacity-config-codec';
import { capacityReportEnv } from '../../lambdas/contracts/capacity-report';
import type { CapacityConfig } from '../../lambdas/domain/capacity/capacity-config';
import { REPORT_PREFIXES } from '../../lambdas/domain/report-keys';
import { objectArn, objectArnFinding } from '../nag';
import { handlerEntry } from '../paths';
import { type FunctionDefaults, functionDefaults, ObservabilityFunction } from './observability-function';
import { type DayOfWeek, WeeklySchedule } from './weekly-schedule';

export interface CapacityReportProps extends FunctionDefaults {
  /** Environment name, sizing and retention the report measures against (passed to the function deflated). */
  readonly capacityConfig: CapacityConfig;
  /** Thanos Query's Prometheus API as seen from the VPC: an https URL (the query-frontend's NLB, `thanosQueryUrl`). */
  readonly queryUrl: string;
  /**
   * PEM of the CA that issues the query NLB's certificate (`QUERY_CA_PEM`; a deploy-time value, PrivateCaCertificate):
   * the only CA the function trusts for `queryUrl`.
   */
  readonly queryCaPem: string;
  readonly vpc: ec2.IVpc;
  /** The reports bucket's deterministic name (`reportsBucketName(config)`): IAM object ARNs are built from it. */
  readonly reportsBucketName: string;
  readonly reportsKey: kms.IKey;
  /** The Thanos bucket whose CloudWatch size metrics the report reads. */
  readonly thanosBucketName: string;
  readonly schedule: { readonly dayOfWeek: DayOfWeek; readonly hour: number; readonly timezone: string };
}

/**
 * The weekly capacity report: a function in the VPC (it calls Thanos Query) that applies the seed's formulas and
 * triggers and writes `capacity/<date>/report.{json,md,html}` and `capacity/latest.*`, scheduled weekly in the
 * configured time zone and invocable on demand (`{"now": "<ISO>"}` or `{}`).
 */
export class CapacityReport extends Construct {
  public readonly fn: ObservabilityFunction;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly schedule: WeeklySchedule;

  constructor(scope: Construct, id: string, props: CapacityReportProps) {
    super(scope, id);
    if (!props.queryUrl.startsWith('https://')) {
      throw new Error(
        `CapacityReport ${id}: queryUrl "${props.queryUrl}" must be https (the function trusts queryCaPem)`,
      );
    }
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Capacity report: outbound to Thanos Query, S3 and CloudWatch; no inbound',
      allowAllOutbound: true,
    });
    this.fn = new ObservabilityFunction(this, 'Function', {
      entry: handlerEntry('capacity-report'),
      serviceName: 'capacity-report',
      description: 'Weekly capacity report from Thanos Query: seed formulas, scale triggers, 4-week projection',
      ...functionDefaults(props),
      memorySize: 512,
      timeout: Duration.minutes(2),
      vpc: props.vpc,
      securityGroups: [this.securityGroup],
      // One report at a time: a scheduled and an on-demand run must not race on capacity/latest.*.
      reservedConcurrentExecutions: 1,
      environment: capacityReportEnv.render({
        queryUrl: props.queryUrl,
        queryCa: props.queryCaPem,
        reportsBucket: props.reportsBucketName,
        thanosBucket: props.thanosBucketName,
        capacityConfig: encodeCapacityConfig(props.capacityConfig),
      }),
    });

    const writeReports = new iam.Policy(this, 'WriteReports', {
      roles: [this.fn.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [objectArn(this, props.reportsBucketName, `${REPORT_PREFIXES.capacity}*`)],
        }),
        new iam.PolicyStatement({
          // SSE-KMS with a bucket key: PutObject needs a data key from the reports key.
          actions: ['kms:GenerateDataKey'],
          resources: [props.reportsKey.keyArn],
        }),
      ],
    });
    const readMetrics = new iam.Policy(this, 'ReadBucketMetrics', {
      roles: [this.fn.role],
      statements: [
        new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'], resources: ['*'] }),
      ],
    });
    Validations.of(writeReports).acknowledge({
      id: objectArnFinding(this, props.reportsBucketName, `${REPORT_PREFIXES.capacity}*`),
      reason:
        'The report writes one object per format and date under capacity/ only: the prefix wildcard is the least privilege.',
    });
    Validations.of(readMetrics).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData and cloudwatch:ListMetrics do not support resource-level permissions (read-only S3 storage metrics).',
    });

    this.schedule = new WeeklySchedule(this, 'Weekly', {
      function: this.fn.function,
      ...props.schedule,
      description: `Capacity report, every ${props.schedule.dayOfWeek} at ${props.schedule.hour}:00 ${props.schedule.timezone}`,
    });
  }
}
