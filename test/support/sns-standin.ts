import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
}

export interface SnsStandIn {
  /** `http://127.0.0.1:<port>`: set as AWS_ENDPOINT_URL_SNS. */
  readonly url: string;
  readonly published: PublishedMessage[];
  stop(): Promise<void>;
}

const xmlEscape = (text: string) => text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] ?? c);

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

/**
 * A local SNS that answers the Publish action of the SNS query API (what AWS SDK v3's SNSClient sends) and
 * enforces SNS's documented limits like the real service: Subject printable ASCII, no newlines, ≤ 100 characters;
 * message ≤ 256 KB; unknown topics are NotFound.
 */
export async function startSnsStandIn(topics: readonly string[]): Promise<SnsStandIn> {
  const published: PublishedMessage[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const reply = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(body);
      };
      if (params.get('Action') !== 'Publish') {
        return reply(400, errorXml('InvalidAction', `unsupported action ${params.get('Action')}`));
      }
      const topicArn = params.get('TopicArn') ?? '';
      const subject = params.get('Subject') ?? undefined;
      const message = params.get('Message') ?? '';
      if (!topics.includes(topicArn)) return reply(404, errorXml('NotFound', 'Topic does not exist'));
      if (subject !== undefined && (subject.length > 100 || !/^[\x20-\x7e]+$/.test(subject))) {
        return reply(400, errorXml('InvalidParameter', 'Invalid parameter: Subject'));
      }
      if (Buffer.byteLength(message) > 256 * 1024) {
        return reply(400, errorXml('InvalidParameter', 'Invalid parameter: Message too long'));
      }
      published.push({ topicArn, ...(subject !== undefined ? { subject } : {}), message });
      const id = randomUUID();
      reply(
        200,
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    published,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
