/**
 * `npm run docs:cost`: rewrites the monthly cost tables in docs/deploy.md from the environment configs
 * (lib/platform/cost-estimate.ts). test/unit/platform/cost-estimate.test.ts fails when the doc is out of step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../lib/config';
import { PROJECT_ROOT } from '../lib/paths';
import { costTablesMarkdown, withCostTables } from '../lib/platform/cost-estimate';

const file = path.join(PROJECT_ROOT, 'docs', 'deploy.md');
const tables = costTablesMarkdown(ENVIRONMENT_NAMES.map((name) => loadEnvironmentConfig(name)));
fs.writeFileSync(file, withCostTables(fs.readFileSync(file, 'utf8'), tables));
