import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { AlarmTopic } from '../constructs/alarm-topic';
import { PushIngestion } from '../constructs/push-ingestion';
import { RuntimeLayer } from '../constructs/runtime-layer';
import { pushgatewayReplicaUrl } from '../naming';

export interface OpsStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly vpc: ec2.IVpc;
  readonly thanosBucket: s3.IBucket;
  readonly thanosKey: kms.IKey;
  readonly reportsBucket: s3.IBucket;
  readonly reportsKey: kms.IKey;
}

/**
 * The serverless ops layer: the shared runtime layer, the alarm topic, and the functions built on
 * ObservabilityFunction (push ingestion, alert fan-out, bucket audit, capacity report, weekly summary).
 */
export class OpsStack extends Stack {
  public readonly runtimeLayer: RuntimeLayer;
  public readonly alarmTopic: AlarmTopic;
  public readonly pushIngestion: PushIngestion;

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.runtimeLayer = new RuntimeLayer(this, 'RuntimeLayer');
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      topicName: `greenlang-${config.name}-ops-alarms`,
      emailRecipients: config.alerting.email.recipients,
      keyRemovalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.pushIngestion = new PushIngestion(this, 'PushIngestion', {
      vpc: props.vpc,
      pushgatewayUrls: [0, 1].map((replica) => pushgatewayReplicaUrl(config.name, replica)),
      jwtIssuer: config.ingest.jwtIssuer,
      jwtAudience: config.ingest.jwtAudience,
      maxPayloadBytes: config.ingest.maxPayloadBytes,
      throttle: config.ingest.throttle,
      runtimeLayer: this.runtimeLayer,
      alarmTopic: this.alarmTopic.topic,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logLevel: config.logLevel,
      removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      apiName: `greenlang-${config.name}-push`,
    });
  }
}
