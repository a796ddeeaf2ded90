import { basicAuthorization, parseBasicCredentials, readCredentials } from '../../../lambdas/domain/basic-credentials';

describe('basic-auth credentials of the Pushgateway replicas', () => {
  it('encodes the header as RFC 7617 does (its example, and UTF-8)', () => {
    expect(basicAuthorization({ username: 'Aladdin', password: 'open sesame' })).toBe(
      'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
    );
    // RFC 7617 section 2.1, charset UTF-8: "test" / "123£".
    expect(basicAuthorization({ username: 'test', password: '123\u00a3' })).toBe('Basic dGVzdDoxMjPCow==');
  });

  it('reads the secret JSON, keeping the password as it is', () => {
    expect(parseBasicCredentials('{"username":"greenlang","password":" a b ","other":1}', 's')).toEqual({
      username: 'greenlang',
      password: ' a b ',
    });
  });

  it('shares one read among concurrent refreshes and reads again on the next one', async () => {
    let reads = 0;
    const source = await readCredentials(async () => {
      reads++;
      return JSON.stringify({ username: 'u', password: `p${reads}` });
    }, 's');
    expect(source.current()).toBe(basicAuthorization({ username: 'u', password: 'p1' }));
    await Promise.all([source.refresh(), source.refresh(), source.refresh()]);
    expect(reads).toBe(2);
    expect(source.current()).toBe(basicAuthorization({ username: 'u', password: 'p2' }));
    await source.refresh();
    expect(reads).toBe(3);
  });

  it('keeps the last good header when a read fails, and tells the caller', async () => {
    let fail = false;
    const source = await readCredentials(async () => {
      if (fail) throw new Error('AccessDeniedException');
      return '{"username":"u","password":"p"}';
    }, 's');
    fail = true;
    await expect(source.refresh()).rejects.toThrow('AccessDeniedException');
    expect(source.current()).toBe(basicAuthorization({ username: 'u', password: 'p' }));
    fail = false;
    await expect(source.refresh()).resolves.toBeUndefined();
  });
});
