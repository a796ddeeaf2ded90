#!/usr/bin/env node
/**
 * `npm run render -- --env NAME --out DIR`: writes every Kubernetes object, Helm values file (with chart
 * coordinates), Prometheus rule file and the Alertmanager config the app applies, as plain YAML.
 * Stdout: one JSON line describing what was written. Errors: stderr, non-zero exit.
 */
import './check-node';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadEnvironmentConfig } from '../lib/config';
import { renderPlan } from '../lib/render/plan';
import { writeRenderedFiles } from '../lib/render/write';

const USAGE = `Usage: npm run render -- --env dev|staging|prod --out DIR

Writes, under DIR:
  kubernetes/*.yaml              every Kubernetes object the platform stack applies
  helm/<release>/values.yaml     Helm values of each release, and chart.yaml with repository, chart, version
  prometheus/rules/*.yaml        Prometheus rule files
  grafana/dashboards/*.json      Grafana dashboards (provisioned from ConfigMaps)
  alertmanager/alertmanager.yaml the Alertmanager configuration
  render.json                    what was written (a re-render removes files it no longer writes)`;

/** The index a render leaves behind, so the next render into the same folder can remove stale files. */
const INDEX_FILE = 'render.json';

function fail(message: string, code = 2): never {
  console.error(`render: ${message}`);
  process.exit(code);
}

function previousFiles(outDir: string): string[] {
  const index = path.join(outDir, INDEX_FILE);
  if (!fs.existsSync(index)) return [];
  const parsed = JSON.parse(fs.readFileSync(index, 'utf8')) as { files?: unknown };
  return Array.isArray(parsed.files) ? parsed.files.filter((f): f is string => typeof f === 'string') : [];
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, path.resolve(file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function main(): void {
  let values: { env?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        env: { type: 'string', default: 'dev' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    console.error(USAGE);
    return;
  }
  if (!values.out) fail(`--out DIR is required\n\n${USAGE}`);
  const outDir = path.resolve(values.out);

  let config: ReturnType<typeof loadEnvironmentConfig>;
  try {
    config = loadEnvironmentConfig(values.env ?? 'dev');
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 1);
    throw error;
  }

  const files = renderPlan(config);
  const written = new Set(files.map((f) => f.path));
  // Only files a previous render wrote, and only inside the output folder.
  const stale = previousFiles(outDir).filter((f) => !written.has(f) && isInside(outDir, path.join(outDir, f)));
  for (const file of stale) fs.rmSync(path.join(outDir, file), { force: true });
  writeRenderedFiles(files, outDir);
  const index = { env: config.name, files: [...written] };
  fs.writeFileSync(path.join(outDir, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ ...index, out: outDir, removed: stale })}\n`);
}

main();
