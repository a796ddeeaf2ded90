import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileGroupStore } from '../../../lambdas/adapters/group-store';
import { groupStoreContract } from '../../support/group-store-contract';

/**
 * The local file store (`npm run local`, `npm start`) against the contract every group store keeps; the DynamoDB
 * store runs the same suite against a real DynamoDB API (test/integration/dynamodb-group-store.test.ts). The file
 * store belongs to one process, so its "several handles" are one instance.
 */
describe('FileGroupStore keeps the group store contract', () => {
  groupStoreContract(async (count, isOwed) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-store-contract-'));
    const store = new FileGroupStore(path.join(dir, 'store.jsonl'), isOwed);
    return {
      handles: Array.from({ length: count }, () => store),
      async close() {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
