// @ts-check
/**
 * One temporary folder per jest run, as TMPDIR for every worker and every process a test starts: whatever a test,
 * a library (the CDK's `cdk.out*` assembly folders, esbuild) or a binary writes to the temp dir lands there, and
 * jest-global-teardown.js removes it. Tests still clean up their own temp dirs; this catches what they cannot.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-jest-'));
  process.env.GL_JEST_TMPDIR = root;
  process.env.TMPDIR = root;
};
