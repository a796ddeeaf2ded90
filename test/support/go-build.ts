import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { requireBinaries } from '../../lib/devstack/processes';

const run = promisify(execFile);

/**
 * Builds the one-file Go program `source` as `<workDir>/<name>` in GOPATH mode against Debian's Go packages
 * (/usr/share/gocode): no module proxy, no network, nothing read or written outside `workDir`.
 */
export async function buildGoProgram(workDir: string, source: string, name: string): Promise<string> {
  const { go } = requireBinaries(['go']);
  const gopath = path.join(workDir, 'gopath');
  fs.mkdirSync(path.join(gopath, 'src', name), { recursive: true });
  fs.copyFileSync(source, path.join(gopath, 'src', name, 'main.go'));
  const binary = path.join(workDir, name);
  await run(go, ['build', '-o', binary, name], {
    cwd: gopath,
    timeout: 300_000,
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `/usr/share/gocode:${gopath}`,
      GOCACHE: path.join(workDir, 'gocache'),
      // No user config (CI may run without HOME).
      GOENV: 'off',
      GOFLAGS: '',
    },
  });
  return binary;
}
