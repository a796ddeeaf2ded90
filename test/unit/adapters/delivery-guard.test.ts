import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { memoryDeliveryGuard } from '../../../lambdas/adapters/delivery-guard';
import { dynamoDbDeliveryGuard } from '../../../lambdas/adapters/delivery-guard-dynamodb';

describe('memoryDeliveryGuard', () => {
  it('runs once per key within the window, again after it, and forgets failures', async () => {
    let now = 0;
    const guard = memoryDeliveryGuard(90, () => now);
    let runs = 0;
    const deliver = async () => {
      runs++;
    };
    expect(await guard.once('k', deliver)).toBe(true);
    expect(await guard.once('k', deliver)).toBe(false);
    now = 90_001;
    expect(await guard.once('k', deliver)).toBe(true);
    await expect(guard.once('f', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await guard.once('f', deliver)).toBe(true);
    expect(runs).toBe(3);
  });

  it('makes a concurrent duplicate wait for the first delivery instead of delivering again', async () => {
    const guard = memoryDeliveryGuard(90);
    let runs = 0;
    const slow = () => new Promise<void>((resolve) => setTimeout(() => resolve(void runs++), 20));
    const results = await Promise.all([guard.once('k', slow), guard.once('k', slow)]);
    expect(results.sort()).toEqual([false, true]);
    expect(runs).toBe(1);
  });
});

describe('dynamoDbDeliveryGuard (Powertools idempotency)', () => {
  const ddb = mockClient(DynamoDBClient);
  const newGuard = () => {
    const guard = dynamoDbDeliveryGuard({
      tableName: 't',
      ttlSeconds: 90,
      client: new DynamoDBClient({ region: 'eu-west-1' }),
    });
    guard.registerLambdaContext({ getRemainingTimeInMillis: () => 30_000 } as unknown as Context);
    return guard;
  };
  afterEach(() => ddb.reset());
  afterAll(() => ddb.restore());

  it('delivers and stores the record with a TTL of the window', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({});
    const guard = newGuard();
    let runs = 0;
    expect(
      await guard.once('abc#slack', async () => {
        runs++;
      }),
    ).toBe(true);
    expect(runs).toBe(1);
    const put = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.TableName).toBe('t');
    const expiration = Number(put?.Item?.expiration?.N);
    expect(expiration - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(89);
    expect(expiration - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(91);
  });

  it('skips the delivery when a completed record exists (the duplicate)', async () => {
    ddb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'exists',
        $metadata: {},
        Item: {
          id: { S: 'x' },
          status: { S: 'COMPLETED' },
          expiration: { N: String(Math.floor(Date.now() / 1000) + 60) },
          data: { S: JSON.stringify({ delivered: true }) },
        },
      }),
    );
    const guard = newGuard();
    let runs = 0;
    expect(
      await guard.once('abc#slack', async () => {
        runs++;
      }),
    ).toBe(false);
    expect(runs).toBe(0);
  });
});
