import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../../lib/paths';

/**
 * Functions are fully bundled (lib/layer/bundling.ts), so "one version of Powertools, middy and the AWS SDK per
 * environment" holds when every function bundles the same installed copy: the root package.json pins each runtime
 * dependency exactly and package-lock.json installs exactly that version at the top of node_modules.
 */
const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};
const runtime = Object.entries(pkg.dependencies).filter(([name]) =>
  /^(@aws-lambda-powertools\/|@aws-sdk\/|@middy\/)/.test(name),
);

describe('runtime dependencies of the functions', () => {
  it('include Powertools, middy and the AWS SDK clients', () => {
    expect(runtime.map(([name]) => name)).toEqual(
      expect.arrayContaining(['@aws-lambda-powertools/logger', '@middy/core', '@aws-sdk/client-s3']),
    );
  });

  it.each(runtime)('%s is pinned exactly and locked at that version', (name, version) => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect({ name, locked: lock.packages[`node_modules/${name}`]?.version }).toEqual({ name, locked: version });
  });
});
