import { lazy } from '../../../lambdas/handlers/lazy';

describe('lazy', () => {
  it('builds once and hands every caller the same value, also callers that arrive while it builds', async () => {
    let builds = 0;
    const value = lazy(async () => {
      builds++;
      return { built: builds };
    });
    const [a, b] = await Promise.all([value(), value()]);
    expect(a).toBe(b);
    expect(await value()).toBe(a);
    expect(builds).toBe(1);
  });

  it('does not keep a failed build: the next call builds again', async () => {
    let builds = 0;
    const value = lazy(async () => {
      builds++;
      if (builds === 1) throw new Error('secret not readable yet');
      return 'ok';
    });
    await expect(value()).rejects.toThrow('secret not readable yet');
    await expect(value()).resolves.toBe('ok');
    expect(builds).toBe(2);
  });
});
