import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  DEAD_LETTER_TARGET_ATTRIBUTE,
  DEAD_LETTERED_AT_ATTRIBUTE,
  type DeadLetter,
  deadLetterKey,
} from '../domain/alerts/dead-letter';
import { fitNotification } from '../domain/alerts/fit';
import { SENT_AT_ATTRIBUTE } from '../domain/alerts/ordering';
import { SQS_MAX_MESSAGE_BYTES } from '../domain/sqs';

/** Where permanently refused notifications go at once (the dead-letter queue in AWS, a folder locally). */
export interface DeadLetterStore {
  put(letter: DeadLetter): Promise<void>;
}

/**
 * The fan-out's dead-letter queue. The body is the notification itself, as the queue's own redrive leaves it, so
 * an SQS "start DLQ redrive" delivers it again once the cause is fixed; why it is there travels as message
 * attributes (`target`, `reason`, `answer`, `attempts`, `notificationKey`). A message here fires the queue's alarm.
 */
export function sqsDeadLetterStore(sqs: SQSClient, queueUrl: string): DeadLetterStore {
  const text = (value: string) => ({ DataType: 'String', StringValue: value.length > 0 ? value : '(none)' });
  return {
    async put(letter) {
      const attributes = {
        [DEAD_LETTER_TARGET_ATTRIBUTE]: text(letter.target),
        reason: text(letter.reason),
        answer: text(letter.answer),
        attempts: { DataType: 'Number', StringValue: String(letter.attempts) },
        notificationKey: text(letter.key),
        [DEAD_LETTERED_AT_ATTRIBUTE]: text(letter.at),
        ...(letter.sentAt !== undefined
          ? { [SENT_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(letter.sentAt) } }
          : {}),
      };
      // The attributes count toward the message limit: a notification that filled one queue message is cut (as
      // max_alerts would) to leave them room, rather than refused by SQS and retried until the queue gives up.
      const attributeBytes = Object.entries(attributes).reduce(
        (sum, [name, value]) =>
          sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + Buffer.byteLength(value.StringValue),
        0,
      );
      const body = fitNotification(letter.notification, SQS_MAX_MESSAGE_BYTES - attributeBytes)?.notification;
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(body ?? letter.notification),
          MessageAttributes: attributes,
        }),
      );
    },
  };
}

/** Writes `<dir>/dead-letters/<yyyy>/<mm>/<dd>/<key>-<target>.json`, atomically via a temporary file. */
export function fileDeadLetterStore(dir: string): DeadLetterStore {
  return {
    async put(letter) {
      const file = path.join(dir, ...deadLetterKey(letter).split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, `${JSON.stringify(letter, null, 2)}\n`);
      await fs.rename(tmp, file);
    },
  };
}

/** Keeps dead letters in memory (tests, and the local server's view of what it dead-lettered). */
export function memoryDeadLetterStore(): DeadLetterStore & { readonly letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return {
    letters,
    async put(letter) {
      letters.push(letter);
    },
  };
}
