import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildEnvironment } from '../../lib/app';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../lib/config';
import { newTestApp, synthesizeEnvironment, unacknowledgedNagFindings } from '../support/cdk';

describe('cdk-nag AwsSolutions', () => {
  it.each(ENVIRONMENT_NAMES)('finds nothing unacknowledged in any %s stack', (env) => {
    expect(unacknowledgedNagFindings(synthesizeEnvironment(env).app)).toEqual([]);
  });

  it('is wired to fail: a bucket without logging or TLS enforcement is reported', () => {
    const app = newTestApp();
    new s3.Bucket(new Stack(app, 'Bad'), 'Open');
    expect(unacknowledgedNagFindings(app)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('AwsSolutions-S1 at Bad/Open/Resource'),
        expect.stringContaining('AwsSolutions-S10 at Bad/Open/Resource'),
      ]),
    );
  });

  it('fails synth on an unacknowledged finding', () => {
    const app = newTestApp();
    new s3.Bucket(new Stack(app, 'Bad'), 'Open');
    buildEnvironment(app, loadEnvironmentConfig('dev'));
    expect(() => app.synth()).toThrow(/ERROR The S3 Bucket has server access logs disabled[\s\S]*Bad\/Open\/Resource/);
  });
});
