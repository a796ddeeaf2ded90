import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { AlarmTopic } from '../constructs/alarm-topic';
import { AlertFanout } from '../constructs/alert-fanout';
import { BucketAudit } from '../constructs/bucket-audit';
import { CapacityReport } from '../constructs/capacity-report';
import { PRIVATE_CA_REFRESH_CONTEXT, PrivateCaCertificate } from '../constructs/private-ca-certificate';
import { PushIngestion } from '../constructs/push-ingestion';
import { WeeklySummary } from '../constructs/weekly-summary';
import { pushgatewayReplicaUrl, reportsBucketName, secretName, thanosBucketName, thanosQueryUrl } from '../naming';

/** The ops stack's outputs (`aws cloudformation describe-stacks` keys the docs use). */
export const OPS_OUTPUTS = { pushApiUrl: 'PushApiUrl' } as const;

export interface OpsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly vpc: ec2.IVpc;
  readonly thanosBucket: s3.IBucket;
  readonly thanosKey: kms.IKey;
  readonly reportsBucket: s3.IBucket;
  readonly reportsKey: kms.IKey;
}

/**
 * The serverless ops layer: the alarm topic, and the functions built on
 * ObservabilityFunction (push ingestion, alert fan-out, bucket audit, capacity report, weekly summary).
 */
export class OpsStack extends Stack {
  public readonly alarmTopic: AlarmTopic;
  public readonly alertFanout: AlertFanout;
  /** Where Alertmanager's webhook receivers point (the fan-out's `POST /alerts`). */
  public readonly alertWebhookUrl: string;
  public readonly bucketAudit: BucketAudit;
  public readonly capacityReport: CapacityReport;
  /** Present when `weeklySummary.enabled`. */
  public readonly weeklySummary?: WeeklySummary;
  public readonly pushIngestion: PushIngestion;
  /**
   * The AWS Private CA's certificate, which the push functions trust for the Pushgateway NLBs and the capacity report
   * for the query-frontend's NLB.
   */
  public readonly privateCa: PrivateCaCertificate;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      topicName: `greenlang-${config.name}-ops-alarms`,
      emailRecipients: config.alerting.email.recipients,
      keyRemovalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.alertFanout = new AlertFanout(this, 'AlertFanout', {
      environment: config.name,
      alerting: config.alerting,
      vpc: props.vpc,
      // Alertmanager runs in the cluster, whose pods take addresses of this VPC (VPC CNI).
      allowedPeer: ec2.Peer.ipv4(config.vpcCidr),
      alarmTopic: this.alarmTopic.topic,
      reportsBucketName: reportsBucketName(config),
      reportsKey: props.reportsKey,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logLevel: config.logLevel,
      removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.alertWebhookUrl = this.alertFanout.alertWebhookUrl;
    this.bucketAudit = new BucketAudit(this, 'BucketAudit', {
      retention: config.retention,
      hourUtc: config.audit.hourUtc,
      environmentName: config.name,
      thanosBucket: props.thanosBucket,
      thanosKey: props.thanosKey,
      reportsBucket: props.reportsBucket,
      reportsKey: props.reportsKey,
      summaryTopic: this.alarmTopic.topic,
      summaryTopicKey: this.alarmTopic.key,
      alarmTopic: this.alarmTopic.topic,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logLevel: config.logLevel,
    });

    // The internal NLBs' certificates (Pushgateway replicas, query-frontend) come from the environment's Private CA
    // (platform stack); the functions calling them trust exactly that CA. `-c privateCaRefresh=<new value>` reads it
    // again after the CA's certificate is renewed.
    this.privateCa = new PrivateCaCertificate(this, 'PrivateCa', {
      certificateAuthorityArn: config.grafana.certificateAuthorityArn,
      refresh: this.node.tryGetContext(PRIVATE_CA_REFRESH_CONTEXT) as string | undefined,
    });

    const common = {
      alarmTopic: this.alarmTopic.topic,
      logRetention: config.logRetentionDays,
      logLevel: config.logLevel,
      reportsBucket: props.reportsBucket,
      reportsKey: props.reportsKey,
      reportsBucketName: reportsBucketName(config),
    };
    this.capacityReport = new CapacityReport(this, 'CapacityReport', {
      ...common,
      capacityConfig: { environment: config.name, sizing: config.sizing, retention: config.retention },
      queryUrl: thanosQueryUrl(config.name),
      queryCaPem: this.privateCa.certificatePem,
      vpc: props.vpc,
      thanosBucketName: thanosBucketName(config),
      schedule: config.capacityReport,
    });
    if (config.weeklySummary.enabled) {
      this.weeklySummary = new WeeklySummary(this, 'WeeklySummary', {
        ...common,
        environmentName: config.name,
        topicName: `greenlang-${config.name}-weekly-summary`,
        recipients: config.alerting.email.recipients,
        schedule: config.weeklySummary,
        keyRemovalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
    }
    this.pushIngestion = new PushIngestion(this, 'PushIngestion', {
      vpc: props.vpc,
      // One URL per Pushgateway replica the cluster runs (lib/k8s/pushgateway.ts: pushgateway-0..N-1), https.
      pushgatewayUrls: Array.from({ length: config.sizing.components.pushgateway.replicas }, (_, replica) =>
        pushgatewayReplicaUrl(config.name, replica),
      ),
      pushgatewayCaPem: this.privateCa.certificatePem,
      pushgatewayAuthSecretName: secretName(config.name, 'pushgateway-basic-auth'),
      jwtIssuer: config.ingest.jwtIssuer,
      jwtAudience: config.ingest.jwtAudience,
      jwtScopes: config.ingest.jwtScopes,
      jobGrants: config.ingest.jobGrants,
      maxPayloadBytes: config.ingest.maxPayloadBytes,
      throttle: config.ingest.throttle,
      alarmTopic: this.alarmTopic.topic,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logLevel: config.logLevel,
      removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      apiName: `greenlang-${config.name}-push`,
    });

    // What a batch job pushes to (docs/deploy.md "Batch jobs"): `<PushApiUrl>/metrics/job/<job>`.
    new CfnOutput(this, OPS_OUTPUTS.pushApiUrl, {
      description: 'Push API (Pushgateway-compatible PUT|POST|DELETE /metrics/job/..., JWT); docs/deploy.md',
      value: this.pushIngestion.api.apiEndpoint,
    });
  }
}
