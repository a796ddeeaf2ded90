// @ts-check
/** Removes the run's temporary folder made by jest-global-setup.js. */
const fs = require('node:fs');
const path = require('node:path');

module.exports = async () => {
  const root = process.env.GL_JEST_TMPDIR;
  if (root && path.basename(root).startsWith('gl-jest-')) fs.rmSync(root, { recursive: true, force: true });
};
