/**
 * The reports bucket behind a small interface: S3 in AWS (and locally against an S3 endpoint), or a directory laid
 * out like the bucket for local runs.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface ReportStore {
  /** Human-readable location of a key (s3:// URI or a file path). */
  location(key: string): string;
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The object's text, or undefined when it does not exist. */
  get(key: string): Promise<string | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
}

export function s3ReportStore(client: S3Client, bucket: string): ReportStore {
  return {
    location: (key) => `s3://${bucket}/${key}`,
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async get(key) {
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await result.Body?.transformToString('utf-8');
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
        throw error;
      }
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}

export function directoryReportStore(root: string): ReportStore {
  const resolve = (key: string) => {
    const file = path.resolve(root, key);
    if (!file.startsWith(path.resolve(root) + path.sep)) throw new Error(`key escapes the reports directory: ${key}`);
    return file;
  };
  return {
    location: (key) => resolve(key),
    async put(key, body) {
      const file = resolve(key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, body);
    },
    async get(key) {
      try {
        return await fs.readFile(resolve(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async list(prefix) {
      const dir = resolve(prefix.endsWith('/') ? `${prefix}.` : prefix).replace(/\/\.$/, '');
      const out: string[] = [];
      async function walk(d: string): Promise<void> {
        let entries: import('node:fs').Dirent[];
        try {
          entries = await fs.readdir(d, { withFileTypes: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw error;
        }
        for (const e of entries) {
          const full = path.join(d, e.name);
          if (e.isDirectory()) await walk(full);
          else out.push(path.relative(root, full).split(path.sep).join('/'));
        }
      }
      await walk(prefix.endsWith('/') ? dir : path.dirname(dir));
      return out.filter((k) => k.startsWith(prefix)).sort();
    },
  };
}
