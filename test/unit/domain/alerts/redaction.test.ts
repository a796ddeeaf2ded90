import {
  credentialParts,
  REDACTED,
  redactSecrets,
  redactThenTruncate,
} from '../../../../lambdas/domain/alerts/redaction';

describe('credentialParts', () => {
  it.each([
    [
      'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx',
      ['T0123ABCD', 'B0456EFGH', 'abcdefghijklmnopqrstuvwx'],
    ],
    ['https://user:p%40ss@example.com/hook?token=s3cr3t-value', ['user', 'p@ss', 's3cr3t-value']],
    // No part looks like a credential: every path segment is one (a webhook whose secret is a short lowercase word).
    ['http://127.0.0.1:9/v2/enqueue', ['v2', 'enqueue']],
    ['https://hooks.example.com/hooks/xoxwebhook1', ['hooks', 'xoxwebhook1']],
    ['https://secret-host.example.com/', ['secret-host.example.com']],
    ['R0UT1NGKEY0123456789abcdefABCDEF', ['R0UT1NGKEY0123456789abcdefABCDEF']],
    ['arn:aws:sns:eu-west-1:111111111111:alerts', ['arn:aws:sns:eu-west-1:111111111111:alerts']],
    ['  ', []],
  ])('%s → %j', (secret, parts) => {
    expect(credentialParts(secret)).toEqual(parts);
  });
});

describe('redactSecrets', () => {
  const url = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx';

  it('redacts the whole URL down to its plain words', () => {
    expect(redactSecrets(`POST ${url} failed`, [url])).toBe(
      `POST https://hooks.slack.com/services/${REDACTED}/${REDACTED}/${REDACTED} failed`,
    );
  });

  it('redacts the path alone and one segment alone (the old code only knew the whole URL)', () => {
    expect(redactSecrets('no_service: /services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx', [url])).toBe(
      `no_service: /services/${REDACTED}/${REDACTED}/${REDACTED}`,
    );
    expect(redactSecrets('token abcdefghijklmnopqrstuvwx revoked', [url])).toBe(`token ${REDACTED} revoked`);
  });

  it('redacts a URL whose only credential is a short lowercase segment (it was echoed whole)', () => {
    const hook = 'https://hooks.example.com/hooks/xoxwebhook1';
    expect(redactSecrets(`invalid_token for ${hook}`, [hook])).not.toContain('xoxwebhook1');
  });

  it('redacts a fragment of 8 or more characters (a secret cut by the vendor) but not shorter ones', () => {
    expect(redactSecrets('echo: ...mnopqrstuvwx', [url])).toBe(`echo: ...${REDACTED}`);
    expect(redactSecrets('echo: ...stuvwx', [url])).toBe('echo: ...stuvwx');
  });

  it('redacts a secret shorter than 8 characters only whole', () => {
    expect(redactSecrets('tok=abc12 and abc1', ['abc12'])).toBe(`tok=${REDACTED} and abc1`);
  });

  it('leaves text without secrets as it is', () => {
    expect(redactSecrets('invalid_payload', [url, ''])).toBe('invalid_payload');
  });
});

describe('redactThenTruncate', () => {
  it('redacts a secret that crosses the cut instead of leaving its head', () => {
    const key = 'R0UT1NGKEY0123456789abcdefABCDEF';
    const text = `${'x'.repeat(190)}${key}${'y'.repeat(100)}`;
    const out = redactThenTruncate(text, [key], 200);
    expect(out).toHaveLength(200);
    expect(out).not.toContain('R0UT1NGK');
    expect(out.endsWith('…')).toBe(true);
  });
});
