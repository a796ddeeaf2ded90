import { pushIngestEnv } from '../../../lambdas/contracts/push-ingest';
import { grantProblem, jobGrantRefusal, parseJobGrants } from '../../../lambdas/domain/job-grants';
import { dev } from '../../../lib/config/environments/dev';
import { environmentConfigSchema } from '../../../lib/config/schema';

describe('job grants', () => {
  it('grants exact job names and prefixes ending in *, and "*" every job', () => {
    const grants = parseJobGrants('{"a": ["nightly", "etl-*"], "ops": ["*"]}');
    const allowed = (client: string, job: string) =>
      jobGrantRefusal(grants, client, `/metrics/job/${job}/instance/x`) === undefined;
    expect([
      allowed('a', 'nightly'),
      allowed('a', 'nightly2'),
      allowed('a', 'etl-'),
      allowed('a', 'etl-x'),
      allowed('a', 'et'),
      allowed('ops', 'anything'),
    ]).toEqual([true, false, true, true, false, true]);
  });

  it.each([
    ['not json', /^job grants are not JSON: /],
    ['[]', /^job grants must be an object of client id to job patterns$/],
    ['{"a": []}', /^job grants: client "a": expected a non-empty list of job patterns$/],
    ['{"a": ["x*y"]}', /^job grants: client "a": "x\*y" is not a job name or a prefix ending in "\*"$/],
    ['{"a": [""]}', /^job grants: client "a": "" is not a job name/],
    ['{" ": ["x"]}', /^job grants: a client id must not be empty$/],
  ])('refuses %s with one line naming the problem', (text, message) => {
    expect(() => parseJobGrants(text)).toThrow(message);
  });

  it('reaches the function through its environment, and a bad value names the variable', () => {
    const env = pushIngestEnv.render({
      pushgatewayUrls: 'http://a',
      groupStoreTable: 't',
      maxBodyBytes: '1024',
      jobGrants: JSON.stringify({ c: ['j-*'] }),
    });
    expect(env.PUSH_JOB_GRANTS).toBe('{"c":["j-*"]}');
    expect([...pushIngestEnv.read(env).jobGrants]).toEqual([['c', ['j-*']]]);
    expect(pushIngestEnv.read({ ...env, PUSH_JOB_GRANTS: undefined }).jobGrants.size).toBe(0);
    expect(() => pushIngestEnv.read({ ...env, PUSH_JOB_GRANTS: '{"c": 1}' })).toThrow(
      'environment variable PUSH_JOB_GRANTS: job grants: client "c": expected a non-empty list of job patterns',
    );
  });

  it('is checked in the configuration with the same rule', () => {
    expect(grantProblem('c', ['ok', 'pre-*'])).toBeUndefined();
    const result = environmentConfigSchema.safeParse({ ...dev, ingest: { ...dev.ingest, jobGrants: { c: ['a*b'] } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['ingest.jobGrants.c', 'client "c": "a*b" is not a job name or a prefix ending in "*"'],
    ]);
  });
});
