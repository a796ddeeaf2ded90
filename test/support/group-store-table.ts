import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import { PushIngestion, type PushIngestionProps } from '../../lib/constructs/push-ingestion';
import { newTestApp } from './cdk';

interface KeyElement {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

interface GlobalTableProperties {
  readonly KeySchema: KeyElement[];
  readonly AttributeDefinitions: { readonly AttributeName: string; readonly AttributeType: 'S' | 'N' | 'B' }[];
  readonly GlobalSecondaryIndexes?: {
    readonly IndexName: string;
    readonly KeySchema: KeyElement[];
    readonly Projection: {
      readonly ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
      readonly NonKeyAttributes?: string[];
    };
  }[];
  readonly LocalSecondaryIndexes?: unknown[];
  readonly BillingMode?: 'PAY_PER_REQUEST' | 'PROVISIONED';
}

/** A PushIngestion alone in a test stack, with minimal valid props (`overrides` replace them). */
export function testPushIngestion(overrides: Partial<PushIngestionProps> = {}): { stack: Stack; push: PushIngestion } {
  const app = newTestApp();
  const stack = new Stack(app, 'PushTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const push = new PushIngestion(stack, 'Push', {
    vpc,
    pushgatewayUrls: ['http://pushgateway-0.example:9091'],
    pushgatewayAuthSecretName: 'greenlang-test/pushgateway-basic-auth',
    jwtIssuer: 'https://issuer.example',
    jwtAudience: ['push'],
    maxPayloadBytes: 1024 * 1024,
    throttle: { rateLimit: 10, burstLimit: 20 },
    alarmTopic: new AlarmTopic(stack, 'Alarms', { topicName: 'a' }).topic,
    logRetention: logs.RetentionDays.ONE_WEEK,
    ...overrides,
  });
  return { stack, push };
}

/**
 * The group store table exactly as the PushIngestion construct declares it, as a CreateTable request: the keys,
 * attribute definitions and indexes are read from the synthesized `AWS::DynamoDB::GlobalTable`, so a table made
 * from this for a local DynamoDB implementation cannot drift from what CloudFormation creates in AWS.
 */
export function groupStoreCreateTable(tableName: string): CreateTableCommandInput {
  const { stack } = testPushIngestion();
  const tables = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable'));
  if (tables.length !== 1) throw new Error(`PushIngestion declares ${tables.length} DynamoDB tables, expected 1`);
  const table = tables[0]?.Properties as GlobalTableProperties;
  if (table.LocalSecondaryIndexes !== undefined) {
    throw new Error('the group store table has local secondary indexes: groupStoreCreateTable must copy them');
  }
  return {
    TableName: tableName,
    KeySchema: table.KeySchema,
    AttributeDefinitions: table.AttributeDefinitions,
    ...(table.GlobalSecondaryIndexes === undefined
      ? {}
      : {
          GlobalSecondaryIndexes: table.GlobalSecondaryIndexes.map(({ IndexName, KeySchema, Projection }) => ({
            IndexName,
            KeySchema,
            Projection,
          })),
        }),
    BillingMode: table.BillingMode ?? 'PAY_PER_REQUEST',
  };
}
