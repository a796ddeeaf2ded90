import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalService } from './service';

const SERVICES_DIR = path.join(__dirname, 'services');

/** The services in `lambdas/local/services/`, sorted by name. */
export function localServices(dir = SERVICES_DIR): LocalService[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => /\.ts$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => {
      const loaded = require(path.join(dir, file)) as { service?: LocalService };
      if (!loaded.service) throw new Error(`${path.join(dir, file)} must export "service"`);
      return loaded.service;
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
