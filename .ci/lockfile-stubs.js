#!/usr/bin/env node
// The npm registry reachable here serves only linux-x64 builds of some native packages (biome, swc, jest's
// resolver). `npm install` then leaves the other platforms' optional packages out of package-lock.json, and
// `npm ci` refuses the lock as out of sync. This adds those optional entries back as version-only stubs (npm ci
// skips optional packages it cannot fetch). Run it after every `npm install`: node .ci/lockfile-stubs.js
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${key}/node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (packages[top] || packages[nested]) continue;
    packages[top] = { version: range.replace(/^[\^~=]/, ''), dev: entry.dev, optional: true };
    added++;
  }
}
if (added > 0) fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile-stubs: ${added} optional platform package(s) added`);
