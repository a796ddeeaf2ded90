import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AlertHistoryRecord } from '../domain/alerts/history';

/** Where notifications are recorded (the reports bucket in AWS, a folder locally, same keys). */
export interface AlertHistoryStore {
  put(key: string, record: AlertHistoryRecord): Promise<void>;
}

export function s3AlertHistoryStore(s3: S3Client, bucket: string): AlertHistoryStore {
  return {
    async put(key, record) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(record),
          ContentType: 'application/json',
        }),
      );
    },
  };
}

/** Writes `<dir>/<key>` (the bucket's layout), atomically via a temporary file. */
export function fileAlertHistoryStore(dir: string): AlertHistoryStore {
  return {
    async put(key, record) {
      const file = path.join(dir, ...key.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
      await fs.rename(tmp, file);
    },
  };
}
