import { deflateRawSync } from 'node:zlib';
import { alertDeliveryEnv } from '../../../lambdas/contracts/alert-delivery';
import { alertWebhookEnv } from '../../../lambdas/contracts/alert-webhook';
import { alertWebhookAuthorizerEnv } from '../../../lambdas/contracts/alert-webhook-authorizer';
import { bucketAuditEnv } from '../../../lambdas/contracts/bucket-audit';
import { decodeCapacityConfig, encodeCapacityConfig } from '../../../lambdas/contracts/capacity-config-codec';
import { capacityReportEnv } from '../../../lambdas/contracts/capacity-report';
import {
  envContract,
  optionalStringVar,
  parsedVar,
  positiveIntVar,
  requiredPositiveIntVar,
  stringVar,
} from '../../../lambdas/contracts/env';
import { pushIngestEnv, pushLimits } from '../../../lambdas/contracts/push-ingest';
import { pushRepairEnv } from '../../../lambdas/contracts/push-repair';
import { weeklySummaryEnv } from '../../../lambdas/contracts/weekly-summary';
import { DEFAULT_PUSH_LIMITS } from '../../../lambdas/domain/push-limits';
import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { SEED_SIZING } from '../../../lambdas/domain/sizing';

describe('environment variables', () => {
  it('a required string names the missing variable', () => {
    expect(stringVar('A').parse('x')).toBe('x');
    expect(() => stringVar('A').parse('')).toThrow('environment variable A is not set');
    expect(() => stringVar('QUERY_URL').parse(undefined)).toThrow('environment variable QUERY_URL is not set');
  });

  it('an optional string is undefined when unset or empty', () => {
    expect(optionalStringVar('A').parse(undefined)).toBeUndefined();
    expect(optionalStringVar('A').parse('')).toBeUndefined();
    expect(optionalStringVar('A').parse('arn:x')).toBe('arn:x');
  });

  it.each([
    [undefined, 32],
    ['', 32],
    ['8', 8],
  ])('a positive integer reads %p as %p', (raw, value) => {
    expect(positiveIntVar('READ_CONCURRENCY', 32).parse(raw)).toBe(value);
  });

  it.each(['0', '-1', '2.5', 'many'])('a positive integer refuses %p, naming the variable', (raw) => {
    expect(() => positiveIntVar('READ_CONCURRENCY', 32).parse(raw)).toThrow(
      `environment variable READ_CONCURRENCY must be a positive integer, got ${JSON.stringify(raw)}`,
    );
  });

  it('a required positive integer names the variable when it is missing or malformed', () => {
    expect(requiredPositiveIntVar('MAX_PAYLOAD_BYTES').parse('1024')).toBe(1024);
    expect(() => requiredPositiveIntVar('MAX_PAYLOAD_BYTES').parse(undefined)).toThrow(
      'environment variable MAX_PAYLOAD_BYTES is not set',
    );
    expect(() => requiredPositiveIntVar('MAX_PAYLOAD_BYTES').parse('0')).toThrow(
      'environment variable MAX_PAYLOAD_BYTES must be a positive integer, got "0"',
    );
  });

  it('a parsed variable is required and passes its text to the parser', () => {
    const v = parsedVar('N', (text) => Number.parseInt(text, 10));
    expect(v.parse('42')).toBe(42);
    expect(() => v.parse(undefined)).toThrow('environment variable N is not set');
  });
});

describe('envContract', () => {
  const contract = envContract({ table: stringVar('TABLE_NAME'), topic: optionalStringVar('TOPIC_ARN') });

  it('renders the variable names the reader reads; unset optional ones are left out', () => {
    expect(contract.render({ table: 't' })).toEqual({ TABLE_NAME: 't' });
    expect(contract.render({ table: 't', topic: 'arn' })).toEqual({ TABLE_NAME: 't', TOPIC_ARN: 'arn' });
    expect(contract.read(contract.render({ table: 't', topic: 'arn' }))).toEqual({ table: 't', topic: 'arn' });
  });

  it('fails on the first missing variable, naming it', () => {
    expect(() => contract.read({ TOPIC_ARN: 'arn' })).toThrow('environment variable TABLE_NAME is not set');
  });
});

/** What each construct renders (placeholder values) is what the handler's contract reads back. */
describe('function contracts', () => {
  it('alert-webhook and its authorizer', () => {
    const env = alertWebhookEnv.render({ tokenSecretName: 'greenlang-dev/token', deliveryQueueUrl: 'https://q' });
    expect(env).toEqual({ TOKEN_SECRET_NAME: 'greenlang-dev/token', DELIVERY_QUEUE_URL: 'https://q' });
    expect(alertWebhookEnv.read(env)).toEqual({
      tokenSecretName: 'greenlang-dev/token',
      deliveryQueueUrl: 'https://q',
    });
    expect(alertWebhookAuthorizerEnv.read(env)).toEqual({ tokenSecretName: 'greenlang-dev/token' });
  });

  it('alert-delivery: a target is on when its variable is set', () => {
    const env = alertDeliveryEnv.render({
      reportsBucket: 'b',
      idempotencyTable: 't',
      deadLetterQueueUrl: 'https://dlq',
      deliveryQueueUrl: 'https://q',
      maxReceiveCount: '5',
      slackWebhookSecretName: 'greenlang-dev/slack',
    });
    expect(env).toEqual({
      REPORTS_BUCKET: 'b',
      IDEMPOTENCY_TABLE: 't',
      DEAD_LETTER_QUEUE_URL: 'https://dlq',
      DELIVERY_QUEUE_URL: 'https://q',
      DELIVERY_MAX_RECEIVE_COUNT: '5',
      SLACK_WEBHOOK_SECRET_NAME: 'greenlang-dev/slack',
    });
    expect(alertDeliveryEnv.read(env)).toEqual({
      reportsBucket: 'b',
      idempotencyTable: 't',
      deadLetterQueueUrl: 'https://dlq',
      deliveryQueueUrl: 'https://q',
      maxReceiveCount: 5,
      slackWebhookSecretName: 'greenlang-dev/slack',
      pagerDutyRoutingKeySecretName: undefined,
      alertEmailTopicArn: undefined,
    });
    expect(() => alertDeliveryEnv.read({ ...env, IDEMPOTENCY_TABLE: '' })).toThrow(
      'environment variable IDEMPOTENCY_TABLE is not set',
    );
  });

  it('bucket-audit parses the retention table and the read concurrency', () => {
    const env = bucketAuditEnv.render({
      thanosBucket: 'a',
      reportsBucket: 'b',
      summaryTopicArn: 'arn',
      retentionPolicy: JSON.stringify(SEED_RETENTION_POLICY),
      environmentName: 'dev',
      readConcurrency: '16',
    });
    expect(bucketAuditEnv.read(env)).toMatchObject({ retentionPolicy: SEED_RETENTION_POLICY, readConcurrency: 16 });
    expect(() => bucketAuditEnv.read({ ...env, RETENTION_POLICY: '{' })).toThrow(/^RETENTION_POLICY: not valid JSON/);
    expect(() => bucketAuditEnv.read({ ...env, ENVIRONMENT_NAME: undefined })).toThrow(
      'environment variable ENVIRONMENT_NAME is not set',
    );
  });

  it('capacity-report reads its variables; the capacity config stays encoded until the composition root', () => {
    const capacityConfig = { environment: 'dev', sizing: SEED_SIZING, retention: SEED_RETENTION_POLICY };
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const encoded = encodeCapacityConfig(capacityConfig);
    const env = capacityReportEnv.render({
      queryUrl: 'https://q',
      queryCa: pem,
      reportsBucket: 'b',
      thanosBucket: 'a',
      capacityConfig: encoded,
    });
    expect(env.QUERY_CA_PEM).toBe(pem);
    const read = capacityReportEnv.read(env);
    expect(read).toEqual({
      queryUrl: 'https://q',
      queryCa: pem,
      reportsBucket: 'b',
      thanosBucket: 'a',
      capacityConfig: encoded,
    });
    expect(decodeCapacityConfig(read.capacityConfig)).toEqual(capacityConfig);
    expect(() => capacityReportEnv.read({ ...env, CAPACITY_CONFIG: JSON.stringify(capacityConfig) })).toThrow(
      'environment variable CAPACITY_CONFIG must be deflated base64 (encodeCapacityConfig)',
    );
    expect(() => capacityReportEnv.read({ ...env, QUERY_URL: undefined })).toThrow(
      'environment variable QUERY_URL is not set',
    );
  });

  it('capacity-report reads CAPACITY_CONFIG deflated, and refuses other text naming the variable', () => {
    const capacityConfig = { environment: 'prod', sizing: SEED_SIZING, retention: SEED_RETENTION_POLICY };
    const encoded = encodeCapacityConfig(capacityConfig);
    expect(decodeCapacityConfig(encoded)).toEqual(capacityConfig);
    // Less than half the JSON: room in Lambda's 4 KB environment for QUERY_CA_PEM (test/infra/query-nlb-tls.test.ts).
    expect(encoded.length).toBeLessThan(JSON.stringify(capacityConfig).length / 2);
    expect(() => decodeCapacityConfig(JSON.stringify(capacityConfig))).toThrow(
      /^CAPACITY_CONFIG: not deflated base64 \(encodeCapacityConfig\): /,
    );
    // Deflated, but not a capacity config: the domain parser's error.
    expect(() => decodeCapacityConfig(deflateRawSync('null').toString('base64'))).toThrow(
      'CAPACITY_CONFIG: expected an object',
    );
  });

  it('capacity-report needs the CA of the query NLB as a PEM certificate', () => {
    const env = { QUERY_URL: 'https://q', REPORTS_BUCKET: 'b', THANOS_BUCKET: 'a', CAPACITY_CONFIG: '{}' };
    expect(() => capacityReportEnv.read(env)).toThrow('environment variable QUERY_CA_PEM is not set');
    // An ARN where the certificate belongs (the CA's ARN instead of its certificate).
    expect(() =>
      capacityReportEnv.read({
        ...env,
        QUERY_CA_PEM: 'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/x',
      }),
    ).toThrow('environment variable QUERY_CA_PEM must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  });

  it('weekly-summary', () => {
    const values = { environmentName: 'dev', reportsBucket: 'b', summaryTopicArn: 'arn', timeZone: 'Europe/Berlin' };
    const env = weeklySummaryEnv.render(values);
    expect(env).toEqual({
      ENVIRONMENT_NAME: 'dev',
      REPORTS_BUCKET: 'b',
      SUMMARY_TOPIC_ARN: 'arn',
      SUMMARY_TIME_ZONE: 'Europe/Berlin',
    });
    expect(weeklySummaryEnv.read(env)).toEqual(values);
    expect(() => weeklySummaryEnv.read({ ...env, SUMMARY_TIME_ZONE: 'CET+1' })).toThrow(
      'environment variable SUMMARY_TIME_ZONE must be an IANA time zone, got "CET+1"',
    );
  });

  /** The replicas and the store: both push functions read them. */
  const store = { pushgatewayUrls: 'http://pg-0:9091,http://pg-1:9091', groupStoreTable: 'groups' };
  const storeEnv = { PUSHGATEWAY_URLS: store.pushgatewayUrls, GROUP_STORE_TABLE: 'groups' };

  it('push-ingest: the replicas in order, the store, the payload limit; the other limits default', () => {
    const env = pushIngestEnv.render({ ...store, maxBodyBytes: '1048576', maxSeriesPerPush: '500' });
    expect(env).toEqual({ ...storeEnv, MAX_PAYLOAD_BYTES: '1048576', MAX_SERIES_PER_PUSH: '500' });
    const values = pushIngestEnv.read(env);
    expect(values.pushgatewayUrls).toEqual(['http://pg-0:9091', 'http://pg-1:9091']);
    expect(pushLimits(values)).toEqual({ ...DEFAULT_PUSH_LIMITS, maxBodyBytes: 1048576, maxSeriesPerPush: 500 });
    expect(() => pushIngestEnv.read({ ...env, PUSHGATEWAY_URLS: ' , ' })).toThrow(
      'environment variable PUSHGATEWAY_URLS must list at least one Pushgateway replica URL',
    );
    expect(() => pushIngestEnv.read({ ...env, MAX_LABELS_PER_SERIES: '-3' })).toThrow(
      'environment variable MAX_LABELS_PER_SERIES must be a positive integer, got "-3"',
    );
  });

  it('push-repair reads the same replicas and store, and nothing else', () => {
    const env = pushRepairEnv.render(store);
    expect(env).toEqual(storeEnv);
    expect(pushRepairEnv.read(env)).toEqual({
      pushgatewayUrls: ['http://pg-0:9091', 'http://pg-1:9091'],
      groupStoreTable: 'groups',
    });
    expect(() => pushRepairEnv.read({ PUSHGATEWAY_URLS: 'http://pg-0:9091' })).toThrow(
      'environment variable GROUP_STORE_TABLE is not set',
    );
  });
});
