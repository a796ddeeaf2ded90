import type { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { cloudWatchBucketSize } from '../../adapters/bucket-size';
import { systemClock } from '../../adapters/clock';
import { type PrometheusClient, prometheusApi } from '../../adapters/prometheus-api';
import { s3ReportStore } from '../../adapters/report-store';
import { decodeCapacityConfig } from '../../contracts/capacity-config-codec';
import type { capacityReportEnv } from '../../contracts/capacity-report';
import type { EnvValues } from '../../contracts/env';
import type { CapacityConfig } from '../../domain/capacity/capacity-config';
import { type CapacityReportDeps, makeCapacityReportHandler } from './handler';

type CapacityReportEnv = EnvValues<typeof capacityReportEnv.variables>;

/** What differs between the Lambda and `npm run local`: where the report goes, the bucket size, clock and log. */
export type CapacityReportParts = Pick<CapacityReportDeps, 'store' | 'bucketSize' | 'now' | 'log'>;

/**
 * The Prometheus API at `queryUrl`, trusting only `queryCa` when given (the Lambda's QUERY_CA_PEM, `--query-ca`
 * locally): the one client of the report (its queries and Thanos Query's store list), and of `npm run local`'s
 * reachability check before it.
 */
export function capacityQueryApi(
  env: Pick<CapacityReportEnv, 'queryUrl'> & Partial<Pick<CapacityReportEnv, 'queryCa'>>,
): PrometheusClient {
  return prometheusApi({ baseUrl: env.queryUrl, ...(env.queryCa === undefined ? {} : { ca: env.queryCa }) });
}

/**
 * The capacity report's object graph, shared by the Lambda, `npm run local -- capacity` and the weekly summary's
 * live report (`npm run local -- summary`): the query API (which also lists Query's stores, so the coverage check
 * goes where the queries go), the environment's sizing and retention.
 */
export function composeCapacityReportWith(
  prometheus: PrometheusClient,
  config: CapacityConfig,
  parts: CapacityReportParts,
) {
  return makeCapacityReportHandler({
    prometheus,
    storeList: prometheus,
    environment: config.environment,
    sizing: config.sizing,
    retention: config.retention,
    ...parts,
  });
}

/** The capacity report in AWS. */
export function composeCapacityReport(env: CapacityReportEnv, logger: Logger) {
  return composeCapacityReportWith(capacityQueryApi(env), decodeCapacityConfig(env.capacityConfig), {
    store: s3ReportStore(new S3Client({}), env.reportsBucket),
    bucketSize: { source: cloudWatchBucketSize(new CloudWatchClient({})), bucketName: env.thanosBucket },
    now: systemClock,
    log: (message, extra) => logger.info(message, extra ?? {}),
  });
}
