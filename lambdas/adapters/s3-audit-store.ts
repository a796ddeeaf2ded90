/**
 * Where the audit writes: its reports (`audit/<yyyy>/<mm>/<dd>/<iso>.json` and `audit/latest.json`) and its
 * state (`audit-state/<thanos-bucket>/state.json.gz`) in the reports bucket.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BucketAuditReport } from '../domain/audit/findings';
import { AUDIT_LATEST_KEY } from '../domain/capacity/report-keys';
import { datePartition, REPORT_PREFIXES } from '../domain/report-keys';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface AuditStore {
  /** The saved state (JSON text), undefined if there is none yet. */
  readState(thanosBucket: string): Promise<string | undefined>;
  writeState(thanosBucket: string, state: string): Promise<void>;
  /** Writes the dated report and `audit/latest.json`; returns the dated report's location. */
  writeReport(report: BucketAuditReport): Promise<string>;
}

/** `audit/2026/11/24/2026-11-24T05:00:00.000Z.json` */
export function auditReportKey(generatedAt: Date): string {
  return `${REPORT_PREFIXES.audit}${datePartition(generatedAt)}/${generatedAt.toISOString()}.json`;
}

export function auditStateKey(thanosBucket: string): string {
  return `${REPORT_PREFIXES.auditState}${thanosBucket}/state.json.gz`;
}

export class S3AuditStore implements AuditStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async readState(thanosBucket: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: auditStateKey(thanosBucket) }));
      const bytes = await out.Body?.transformToByteArray();
      if (!bytes) return undefined;
      return (await gunzipAsync(bytes)).toString('utf8');
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async writeState(thanosBucket: string, state: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: auditStateKey(thanosBucket),
        Body: await gzipAsync(Buffer.from(state, 'utf8')),
        ContentType: 'application/json',
        ContentEncoding: 'gzip',
      }),
    );
  }

  async writeReport(report: BucketAuditReport): Promise<string> {
    const body = JSON.stringify(report, null, 2);
    const key = auditReportKey(new Date(report.generatedAt));
    for (const Key of [key, AUDIT_LATEST_KEY]) {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentType: 'application/json' }),
      );
    }
    return `s3://${this.bucket}/${key}`;
  }
}
