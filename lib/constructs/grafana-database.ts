import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { EnvironmentConfig, EnvironmentName } from '../config';
import { GRAFANA_DATABASE_NAME } from '../k8s/grafana-database';
import { secretName } from '../naming';

/** The `postgres` choice of `grafana.database`. */
export type GrafanaPostgresSettings = Extract<EnvironmentConfig['grafana']['database'], { engine: 'postgres' }>;

/** PostgreSQL major version Grafana 12 supports (Grafana docs: PostgreSQL 12+). */
export const GRAFANA_POSTGRES_VERSION = rds.PostgresEngineVersion.VER_16_13;
export const GRAFANA_DATABASE_USER = 'grafana';

export interface GrafanaDatabaseProps {
  readonly env: EnvironmentName;
  readonly vpc: ec2.IVpc;
  readonly settings: GrafanaPostgresSettings;
  /** Security groups whose members may connect on 5432 (the EKS cluster security group: nodes and pods). */
  readonly clients: readonly ec2.ISecurityGroup[];
  /** @default RemovalPolicy.SNAPSHOT */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Grafana's shared database: Amazon RDS for PostgreSQL in the VPC's private subnets, storage encrypted with its
 * own KMS key, reachable only from the cluster's security group. The master credentials are generated into the
 * Secrets Manager secret `greenlang-<env>/grafana-database` (username, password, host, port), which External
 * Secrets syncs into the monitoring namespace (lib/k8s/grafana-database.ts); its IRSA policy already covers
 * `greenlang-<env>/*`.
 */
export class GrafanaDatabase extends Construct {
  public readonly instance: rds.DatabaseInstance;
  public readonly secret: secretsmanager.ISecret;
  public readonly key: kms.Key;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: GrafanaDatabaseProps) {
    super(scope, id);
    const { settings } = props;
    if (props.clients.length === 0)
      throw new Error(`GrafanaDatabase ${id}: clients must name at least one security group`);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    this.key = new kms.Key(this, 'Key', {
      description: `Grafana database storage (${props.env})`,
      enableKeyRotation: true,
      removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Grafana database: PostgreSQL from the EKS cluster only',
      allowAllOutbound: false,
    });
    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: GRAFANA_POSTGRES_VERSION }),
      instanceType: new ec2.InstanceType(settings.instanceType),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      databaseName: GRAFANA_DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret(GRAFANA_DATABASE_USER, {
        secretName: secretName(props.env, 'grafana-database'),
      }),
      allocatedStorage: settings.allocatedStorageGiB,
      maxAllocatedStorage: settings.allocatedStorageGiB * 5,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      multiAz: settings.multiAz,
      backupRetention: Duration.days(settings.backupRetentionDays),
      deletionProtection: settings.deletionProtection,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: true,
      cloudwatchLogsExports: ['postgresql'],
      removalPolicy,
    });
    for (const client of props.clients) {
      this.instance.connections.allowDefaultPortFrom(client, 'Grafana pods on the EKS cluster');
    }
    if (!this.instance.secret) throw new Error(`GrafanaDatabase ${id}: RDS generated no secret`);
    this.secret = this.instance.secret;

    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason: 'The default port is fine here: the security group admits the EKS cluster security group only.',
    });
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-RDS6',
      reason:
        'Grafana authenticates with a password read from a file at start; IAM tokens expire after 15 minutes and Grafana cannot renew them.',
    });
    // The generated secret is a child of the instance (Instance/Secret).
    Validations.of(this.instance).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Grafana reads the password once at start: a rotation would lock running replicas out until they restart. Rotate by hand with a rollout (docs/runbooks).',
    });
    if (!settings.multiAz) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ by configuration (grafana.database.multiAz false, non-production): losing Grafana state for the restore time is acceptable here.',
      });
    }
    if (!settings.deletionProtection) {
      Validations.of(this.instance).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Deletion protection off by configuration (grafana.database.deletionProtection false, non-production).',
      });
    }
  }
}
