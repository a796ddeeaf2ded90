import * as fs from 'node:fs';
import * as path from 'node:path';

/** `layers/runtime/package.json`: the packages the layer provides, pinned. */
export interface LayerManifest {
  readonly name: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

/** One package copied into the layer. */
export interface LayerPackage {
  readonly name: string;
  readonly version: string;
  /** Where it is installed in the project (`node_modules/...`). */
  readonly dir: string;
}

export function readLayerManifest(layerDir: string): LayerManifest {
  const file = path.join(layerDir, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LayerManifest>;
  if (!manifest.dependencies || Object.keys(manifest.dependencies).length === 0) {
    throw new Error(`${file}: "dependencies" must list the packages the layer provides`);
  }
  return { name: manifest.name ?? path.basename(layerDir), dependencies: manifest.dependencies };
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Node's lookup: `<from>/node_modules/<name>`, then each parent's, up to the project root. */
function findInstalled(name: string, fromDir: string, projectRoot: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.resolve(dir) === path.resolve(projectRoot)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The packages the layer must hold: each manifest dependency at exactly its pinned version, plus its production
 * dependency closure, as installed in the project's node_modules.
 * @throws when a package is missing or installed at another version than the manifest pins.
 */
export function resolveLayerPackages(manifest: LayerManifest, projectRoot: string): LayerPackage[] {
  const found = new Map<string, LayerPackage>();
  const visit = (name: string, fromDir: string, required: string | undefined, optional: boolean): void => {
    const dir = findInstalled(name, fromDir, projectRoot);
    if (!dir) {
      if (optional) return;
      throw new Error(`Runtime layer: ${name} is not installed in ${projectRoot}/node_modules (run npm ci)`);
    }
    if (found.has(dir)) return;
    const pkg = readPackageJson(dir);
    if (required !== undefined && pkg.version !== required) {
      throw new Error(
        `Runtime layer: ${manifest.name} pins ${name} ${required}, but ${pkg.version} is installed; ` +
          'pin the same version in the root package.json and run npm install',
      );
    }
    found.set(dir, { name: pkg.name, version: pkg.version, dir });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, undefined, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, undefined, true);
  };
  for (const [name, version] of Object.entries(manifest.dependencies)) visit(name, projectRoot, version, false);
  return [...found.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * Writes the layer content into `outputDir/nodejs/node_modules`. Packages nested in another package's
 * node_modules travel with their parent, so Node resolves the same versions in Lambda as in the project.
 */
export function buildRuntimeLayer(layerDir: string, projectRoot: string, outputDir: string): LayerPackage[] {
  const packages = resolveLayerPackages(readLayerManifest(layerDir), projectRoot);
  const rootModules = path.join(projectRoot, 'node_modules');
  const target = path.join(outputDir, 'nodejs', 'node_modules');
  fs.mkdirSync(target, { recursive: true });
  for (const pkg of packages) {
    const relative = path.relative(rootModules, pkg.dir);
    // Nested packages (a/node_modules/b) are copied with their top-level parent.
    if (relative.split(path.sep).includes('node_modules')) continue;
    fs.cpSync(pkg.dir, path.join(target, relative), { recursive: true, dereference: true });
  }
  return packages;
}
