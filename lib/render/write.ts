import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { RenderedFile } from './plan';

/** Serializes documents as YAML: no line folding, no anchors, so files diff and apply cleanly. */
export function toYaml(documents: readonly unknown[]): string {
  return documents.map((doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** A JSON file holds exactly one document (JSON has no multi-document form). */
function toJson(file: RenderedFile): string {
  if (file.documents.length !== 1) {
    throw new Error(`render: ${file.path} is JSON and needs exactly one document, got ${file.documents.length}`);
  }
  return `${JSON.stringify(file.documents[0], null, 2)}\n`;
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
    fs.writeFileSync(target, file.format === 'json' ? toJson(file) : toYaml(file.documents));
  }
  return files.map((f) => f.path);
}
