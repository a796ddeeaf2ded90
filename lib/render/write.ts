import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { RenderedFile } from './plan';

/** Serializes documents as YAML: no line folding, no anchors, so files diff and apply cleanly. */
export function toYaml(documents: readonly unknown[]): string {
  return documents.map((doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** Writes the files under `outDir` (created if missing) and returns their paths relative to it. */
export function writeRenderedFiles(files: readonly RenderedFile[], outDir: string): string[] {
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new Error(`render: two files would be written to ${file.path}`);
    seen.add(file.path);
  }
  for (const file of files) {
    const target = path.join(outDir, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, toYaml(file.documents));
  }
  return files.map((f) => f.path);
}
