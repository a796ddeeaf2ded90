import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchBucketSize } from '../../../lambdas/adapters/bucket-size';
import { PrometheusApiError, prometheusApi } from '../../../lambdas/adapters/prometheus-api';
import { directoryReportStore, s3ReportStore } from '../../../lambdas/adapters/report-store';
import { snsPublisher } from '../../../lambdas/adapters/sns-publisher';

describe('cloudWatchBucketSize', () => {
  const cw = mockClient(CloudWatchClient);
  afterEach(() => cw.reset());

  it('asks for every StorageType the bucket reports and keeps the latest daily value per class', async () => {
    cw.on(ListMetricsCommand).resolves({
      Metrics: [
        {
          Dimensions: [
            { Name: 'BucketName', Value: 'b' },
            { Name: 'StorageType', Value: 'StandardStorage' },
          ],
        },
        {
          Dimensions: [
            { Name: 'BucketName', Value: 'b' },
            { Name: 'StorageType', Value: 'GlacierInstantRetrievalStorage' },
          ],
        },
      ],
    });
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Label: 'StandardStorage', Values: [2e12, 1.9e12] },
        { Label: 'GlacierInstantRetrievalStorage', Values: [] },
      ],
    });
    const sizes = await cloudWatchBucketSize(new CloudWatchClient({ region: 'eu-west-1' })).bytesByStorageClass(
      'b',
      new Date('2026-11-23T05:00:00Z'),
    );
    expect(sizes).toEqual({ STANDARD: 2e12 });
    const query = cw.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(query?.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.Dimensions)).toEqual([
      [
        { Name: 'BucketName', Value: 'b' },
        { Name: 'StorageType', Value: 'StandardStorage' },
      ],
      [
        { Name: 'BucketName', Value: 'b' },
        { Name: 'StorageType', Value: 'GlacierInstantRetrievalStorage' },
      ],
    ]);
    expect(query?.MetricDataQueries?.[0]?.MetricStat?.Period).toBe(86_400);
  });

  it('tells the Intelligent-Tiering archive tiers apart and keeps overhead apart from data', async () => {
    const types = [
      'IntelligentTieringAIAStorage',
      'IntelligentTieringAAStorage',
      'GlacierInstantRetrievalSizeOverhead',
    ];
    cw.on(ListMetricsCommand).resolves({
      Metrics: types.map((t) => ({
        Dimensions: [
          { Name: 'BucketName', Value: 'b' },
          { Name: 'StorageType', Value: t },
        ],
      })),
    });
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: types.map((t, i) => ({ Label: t, Values: [i + 1] })) });
    const sizes = await cloudWatchBucketSize(new CloudWatchClient({ region: 'eu-west-1' })).bytesByStorageClass(
      'b',
      new Date('2026-11-23T05:00:00Z'),
    );
    // AA (Archive Access) needs a restore before the store gateway can read it; AIA does not (S3 user guide).
    expect(sizes).toEqual({
      'INTELLIGENT_TIERING (archive instant)': 1,
      'INTELLIGENT_TIERING (archive access, restore needed)': 2,
      'GLACIER_IR (overhead)': 3,
    });
  });

  it('a bucket without metrics yet is empty, without a data query', async () => {
    cw.on(ListMetricsCommand).resolves({ Metrics: [] });
    expect(
      await cloudWatchBucketSize(new CloudWatchClient({ region: 'eu-west-1' })).bytesByStorageClass('b', new Date()),
    ).toEqual({});
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});

describe('s3ReportStore', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  const store = () => s3ReportStore(new S3Client({ region: 'eu-west-1' }), 'reports');

  it('puts with the content type, lists every page, and reads a missing key as undefined', async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'p/b' }], IsTruncated: true, NextContinuationToken: 't' })
      .resolvesOnce({ Contents: [{ Key: 'p/a' }], IsTruncated: false });
    s3.on(GetObjectCommand, { Key: 'missing' }).rejects(new NoSuchKey({ message: 'no', $metadata: {} }));
    s3.on(GetObjectCommand, { Key: 'there' }).resolves({
      // The SDK's stream mixin, as far as the store uses it.
      Body: {
        transformToString: async (encoding?: string) => (encoding === 'utf-8' ? 'hello' : 'wrong encoding'),
      } as never,
    });
    await store().put('capacity/latest.html', '<html>', 'text/html; charset=utf-8');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'reports',
      Key: 'capacity/latest.html',
      Body: '<html>',
      ContentType: 'text/html; charset=utf-8',
    });
    expect(await store().list('p/')).toEqual(['p/a', 'p/b']);
    expect(s3.commandCalls(ListObjectsV2Command)[1]?.args[0].input.ContinuationToken).toBe('t');
    expect(await store().get('missing')).toBeUndefined();
    expect(await store().get('there')).toBe('hello');
    expect(store().location('k')).toBe('s3://reports/k');
  });

  it('other read errors are not swallowed', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(store().get('x')).rejects.toThrow('denied');
  });
});

describe('directoryReportStore', () => {
  it('writes, lists by prefix and reads like the bucket, and refuses keys that escape the directory', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-store-'));
    const store = directoryReportStore(root);
    await store.put('alert-history/2026/11/20/b.json', '{}', 'application/json');
    await store.put('alert-history/2026/11/20/a.json', '[]', 'application/json');
    await store.put('alert-history/2026/11/21/c.json', '1', 'application/json');
    expect(await store.list('alert-history/2026/11/20/')).toEqual([
      'alert-history/2026/11/20/a.json',
      'alert-history/2026/11/20/b.json',
    ]);
    expect(await store.list('alert-history/2026/11/22/')).toEqual([]);
    expect(await store.get('alert-history/2026/11/21/c.json')).toBe('1');
    expect(await store.get('nope.json')).toBeUndefined();
    expect(() => store.location('../etc/passwd')).toThrow('key escapes the reports directory: ../etc/passwd');
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('snsPublisher (alert email, audit and weekly summaries)', () => {
  it('publishes subject and body to the topic', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'abc' });
    const result = await snsPublisher(new SNSClient({ region: 'eu-west-1' }), 'arn:t').publish('S', 'B');
    expect(result).toEqual({ messageId: 'abc' });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: 'arn:t',
      Subject: 'S',
      Message: 'B',
    });
    sns.restore();
  });
});

describe('prometheusApi errors', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/bad')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 4' }));
      } else {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>bad gateway</html>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('names the query and the server error', async () => {
    const api = prometheusApi({ baseUrl: `${url}/bad` });
    await expect(api.query('up{', new Date(0))).rejects.toThrow(
      new PrometheusApiError('/api/v1/query "up{": HTTP 400 bad_data: parse error at char 4'),
    );
  });

  it('says when the answer is not JSON', async () => {
    await expect(prometheusApi({ baseUrl: url }).queryRange('up', new Date(0), new Date(1000), 60)).rejects.toThrow(
      '/api/v1/query_range "up": HTTP 502, not JSON: <html>bad gateway</html>',
    );
  });

  it('asks Thanos for no partial response and for deduplication on every query', async () => {
    const bodies: string[] = [];
    const echo = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const api = prometheusApi({ baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}` });
      await api.query('up', new Date(0));
      await api.queryRange('up', new Date(0), new Date(60_000), 60);
      for (const body of bodies) {
        const form = new URLSearchParams(body);
        expect([form.get('query'), form.get('partial_response'), form.get('dedup')]).toEqual(['up', 'false', 'true']);
      }
      expect(bodies).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => prometheusApi({ baseUrl: 'ftp://x' })).toThrow('expected an http(s) URL, got "ftp://x"');
    expect(() => prometheusApi({ baseUrl: 'thanos' })).toThrow('not a URL: "thanos"');
  });
});
