import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LOCAL_CREDENTIALS } from '../../lambdas/local/aws';
import { eventually } from './eventually';

/** A DynamoDB API implementation (dynalite, in memory) listening on 127.0.0.1, and clients made for it. */
export interface RunningDynalite {
  /** `http://127.0.0.1:<port>`: what `AWS_ENDPOINT_URL_DYNAMODB` is set to for the SDK to use it. */
  readonly endpoint: string;
  readonly region: string;
  /** A new SDK client for the endpoint (each its own connections); destroyed by `stop`. */
  client(): DynamoDBClient;
  /** Creates a table and resolves once it is ACTIVE. */
  createTable(input: CreateTableCommandInput): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts dynalite 4.0.0 in memory on a free port of 127.0.0.1. It checks the request signature's format, not the
 * secret, so the local stand-in credentials serve. Throws (the test fails) if it cannot listen.
 */
export async function startDynalite(): Promise<RunningDynalite> {
  // Tables are ACTIVE at once (the default keeps them CREATING for 500 ms).
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'eu-west-1';
  const clients: DynamoDBClient[] = [];
  const client = () => {
    const made = new DynamoDBClient({ endpoint, region, credentials: { ...LOCAL_CREDENTIALS } });
    clients.push(made);
    return made;
  };
  const admin = client();
  return {
    endpoint,
    region,
    client,
    async createTable(input) {
      await admin.send(new CreateTableCommand(input));
      await eventually(
        async () => {
          const { Table } = await admin.send(new DescribeTableCommand({ TableName: input.TableName }));
          if (Table?.TableStatus !== 'ACTIVE') throw new Error(`table ${input.TableName} is ${Table?.TableStatus}`);
        },
        { timeoutMs: 10_000, intervalMs: 20 },
      );
    },
    async stop() {
      for (const made of clients) made.destroy();
      // Keep-alive sockets of clients the test did not destroy would hold `close` open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
