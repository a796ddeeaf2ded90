/**
 * Imported first by every entry point in bin/: on a Node older than the project needs, stops with one line saying
 * what to install, before any module that needs Node 22 is loaded (module evaluation follows import order).
 */
import * as path from 'node:path';
import { requireSupportedNode } from '../lib/node-version';

/** What the user ran, by entry point. */
const PROGRAMS: Readonly<Record<string, string>> = {
  app: 'cdk synth',
  local: 'local',
  start: 'start',
  render: 'render',
  bench: 'bench',
};

const entry = path.basename(process.argv[1] ?? '').replace(/\.[cm]?[jt]s$/, '');
requireSupportedNode(PROGRAMS[entry] ?? 'greenlang-observability');
