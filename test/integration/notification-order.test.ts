import { dynamoDbNotificationOrder, memoryNotificationOrder } from '../../lambdas/adapters/notification-order';
import { type RunningDynalite, startDynalite } from '../support/dynalite';

/**
 * The newest notification per group and target, in the fan-out's DynamoDB table (dynalite, a DynamoDB API
 * implementation, evaluates the conditional update), and in memory: the same answers.
 */

let dynamo: RunningDynalite;
beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable({
    TableName: 'fanout',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
});
afterAll(() => dynamo?.stop());

describe.each([
  ['DynamoDB', () => dynamoDbNotificationOrder({ client: dynamo.client(), tableName: 'fanout', ttlSeconds: 60 })],
  ['memory', () => memoryNotificationOrder()],
])('the notification order (%s)', (_name, make) => {
  it('admits the same or a newer time and refuses an older one, per key', async () => {
    const order = make();
    const key = `order#${_name}#pagerduty`;
    expect(await order.advance(key, 1000)).toBe(true);
    expect(await order.advance(key, 1000)).toBe(true); // a retry, or a repeat of an unchanged group
    expect(await order.advance(key, 999)).toBe(false); // a late retry of an older notification
    expect(await order.advance(key, 2000)).toBe(true);
    expect(await order.advance(key, 1500)).toBe(false);
    expect(await order.advance(`${key}-other`, 5)).toBe(true); // another group or target is its own
  });

  it('lets the newer of two racing deliveries win, whichever lands first', async () => {
    const order = make();
    const key = `order#${_name}#race`;
    for (let round = 0; round < 20; round++) {
      const base = round * 10;
      // The older one passes only if it lands first; the newer passes either way, and stays the newest.
      const [, newer] = await Promise.all([order.advance(key, base + 1), order.advance(key, base + 2)]);
      expect(newer).toBe(true);
      expect(await order.advance(key, base + 1)).toBe(false);
    }
  });
});
