import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNS_MAX_MESSAGE_BYTES, SNS_MAX_SUBJECT } from '../../lambdas/domain/sns';

/**
 * A local stand-in for Amazon SNS's Publish API (AWS Query protocol: form-encoded POST, XML answers), so the
 * real AWS SDK client can publish through `AWS_ENDPOINT_URL_SNS` with no AWS account. It enforces the limits
 * SNS does (Subject ≤ 100 printable ASCII characters without newlines, message ≤ 256 KB) and answers errors the
 * way SNS does, so code that breaks them fails here too.
 */

export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly receivedAt: string;
}

export interface SnsStandIn {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_SNS`. */
  readonly url: string;
  readonly published: readonly PublishedMessage[];
  stop(): Promise<void>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

/** Why SNS would refuse this Publish, or undefined if it would accept it. */
export function publishProblem(params: URLSearchParams): string | undefined {
  if (!params.get('TopicArn') && !params.get('TargetArn') && !params.get('PhoneNumber')) {
    return 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter';
  }
  const message = params.get('Message');
  if (message === null || message.length === 0) return 'Invalid parameter: Empty message';
  if (Buffer.byteLength(message, 'utf8') > SNS_MAX_MESSAGE_BYTES) return 'Invalid parameter: Message too long';
  const subject = params.get('Subject');
  if (subject !== null) {
    if (subject.length === 0 || subject.length > SNS_MAX_SUBJECT) {
      return 'Invalid parameter: Subject must be 1 to 100 characters';
    }
    // Printable ASCII only; no line breaks.
    if (!/^[\x20-\x7e]+$/.test(subject)) return 'Invalid parameter: Subject contains control or non-ASCII characters';
  }
  return undefined;
}

export interface SnsStandInOptions {
  /** Topics that exist: a publish to another one gets SNS's NotFound. @default every topic exists */
  readonly topics?: readonly string[];
  /** Called for each accepted message (e.g. to record it as a delivered email). */
  readonly onPublish?: (message: PublishedMessage) => void;
  /** @default a free port */
  readonly port?: number;
}

export async function startSnsStandIn(options: SnsStandInOptions = {}): Promise<SnsStandIn> {
  const published: PublishedMessage[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const reply = (status: number, body: string) => {
        response.writeHead(status, { 'content-type': 'text/xml' });
        response.end(body);
      };
      const action = params.get('Action');
      if (action !== 'Publish') {
        reply(
          400,
          errorXml('InvalidAction', `The action ${action ?? '(none)'} is not valid for this stand-in (Publish only)`),
        );
        return;
      }
      const topicArn = params.get('TopicArn');
      if (options.topics && topicArn !== null && !options.topics.includes(topicArn)) {
        reply(404, errorXml('NotFound', 'Topic does not exist'));
        return;
      }
      const problem = publishProblem(params);
      if (problem) {
        reply(400, errorXml('InvalidParameter', problem));
        return;
      }
      const subject = params.get('Subject');
      const message: PublishedMessage = {
        messageId: randomUUID(),
        topicArn: params.get('TopicArn') ?? params.get('TargetArn') ?? '',
        ...(subject === null ? {} : { subject }),
        message: params.get('Message') ?? '',
        receivedAt: new Date().toISOString(),
      };
      published.push(message);
      options.onPublish?.(message);
      reply(
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${message.messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    published,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
