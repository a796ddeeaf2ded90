/**
 * Imported first by every entry point in bin/: on a Node older than the project needs, stops with one line saying
 * what to install, before any module that needs Node 22 is loaded (module evaluation follows import order).
 */
import * as path from 'node:path';
import { requireSupportedNode } from '../lib/node-version';

requireSupportedNode(path.basename(process.argv[1] ?? 'greenlang-observability').replace(/\.[cm]?[jt]s$/, ''));
