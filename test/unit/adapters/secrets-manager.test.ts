import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { previousSecretSource, secretsManagerSource } from '../../../lambdas/adapters/secrets-manager';

describe('secrets from Secrets Manager (SDK mocked at its boundary)', () => {
  const sm = mockClient(SecretsManagerClient);
  const saved = { ...process.env };
  beforeAll(() =>
    Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 't', AWS_SECRET_ACCESS_KEY: 't' }),
  );
  afterAll(() => {
    sm.restore();
    process.env = saved;
  });
  beforeEach(() => sm.reset());

  it('reads the version before the last rotation by its staging label, apart from the current one', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'rotating' }).resolves({ SecretString: 'current-token' });
    sm.on(GetSecretValueCommand, { SecretId: 'rotating', VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: 'previous-token\n',
    });
    expect(await secretsManagerSource('rotating')()).toBe('current-token');
    expect(await previousSecretSource('rotating')()).toBe('previous-token');
    const stages = sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.VersionStage);
    expect(stages).toEqual([undefined, 'AWSPREVIOUS']);
  });

  it('has none before the first rotation (ResourceNotFoundException), and remembers that for its cache time', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'fresh', VersionStage: 'AWSPREVIOUS' }).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
        $metadata: {},
      }),
    );
    const previous = previousSecretSource('fresh');
    expect(await previous()).toBeUndefined();
    expect(await previous()).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });
});
