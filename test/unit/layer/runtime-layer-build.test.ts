import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildRuntimeLayer, readLayerManifest, resolveLayerPackages } from '../../../lib/layer/runtime-layer-build';
import { PROJECT_ROOT } from '../../../lib/paths';

const LAYER_DIR = path.join(PROJECT_ROOT, 'layers', 'runtime');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gl-layer-test-'));

describe('the runtime layer manifest', () => {
  it('pins Powertools and middy at exactly the versions of the root package.json', () => {
    const root = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const manifest = readLayerManifest(LAYER_DIR);
    expect(Object.keys(manifest.dependencies)).toEqual(
      expect.arrayContaining(['@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics', '@middy/core']),
    );
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      expect({ name, version: root.dependencies[name] }).toEqual({ name, version });
    }
  });
});

describe('buildRuntimeLayer', () => {
  const out = tmp();
  const packages = buildRuntimeLayer(LAYER_DIR, PROJECT_ROOT, out);
  const modules = path.join(out, 'nodejs', 'node_modules');

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('copies every package of the closure, dependencies included', () => {
    const names = packages.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@middy/core', '@middy/util', '@aws-lambda-powertools/commons']));
    for (const pkg of packages) {
      const copied = JSON.parse(fs.readFileSync(path.join(modules, pkg.name, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(copied.version).toBe(pkg.version);
    }
  });

  it('holds nothing but the closure', () => {
    const top = fs
      .readdirSync(modules)
      .flatMap((entry) =>
        entry.startsWith('@') ? fs.readdirSync(path.join(modules, entry)).map((sub) => `${entry}/${sub}`) : [entry],
      );
    expect(top.sort()).toEqual([...new Set(packages.map((p) => p.name))].sort());
  });

  it('lets an ES module handler placed beside it import middy and the Powertools logger', () => {
    const fn = path.join(out, 'nodejs', 'fn', 'index.mjs');
    fs.mkdirSync(path.dirname(fn), { recursive: true });
    fs.writeFileSync(
      fn,
      "import middy from '@middy/core'; import { Logger } from '@aws-lambda-powertools/logger';\n" +
        "const h = middy(async () => 'ok'); process.stdout.write(typeof h.use + ' ' + typeof new Logger().info);\n",
    );
    // Run from a folder outside the project so nothing resolves from the project's node_modules.
    const output = execFileSync(process.execPath, [fn], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(output).toBe('function function');
  });
});

describe('resolveLayerPackages', () => {
  it('refuses a manifest pin that differs from what is installed', () => {
    const manifest = { name: 'test-layer', dependencies: { '@middy/core': '1.0.0' } };
    expect(() => resolveLayerPackages(manifest, PROJECT_ROOT)).toThrow(
      /test-layer pins @middy\/core 1\.0\.0, but \d+\.\d+\.\d+ is installed/,
    );
  });

  it('refuses a package that is not installed', () => {
    const manifest = { name: 'test-layer', dependencies: { 'no-such-package-greenlang': '1.0.0' } };
    expect(() => resolveLayerPackages(manifest, PROJECT_ROOT)).toThrow('no-such-package-greenlang is not installed');
  });
});
