import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadEnvironmentConfig } from '../../../lib/config';
import { PROJECT_ROOT } from '../../../lib/paths';
import { ruleFiles } from '../../../lib/rules';

/** GitHub's heading anchor: lower case, punctuation except `-` and `_` removed, spaces to `-`. */
function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(file, 'utf8');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => githubAnchor(m[1] ?? '')));
}

describe('runbooks', () => {
  it('computes GitHub anchors the way GitHub does', () => {
    expect(githubAnchor('ThanosCompactorHalted')).toBe('thanoscompactorhalted');
    expect(githubAnchor('Kong: the gateway (v3)')).toBe('kong-the-gateway-v3');
  });

  it.each(['dev', 'staging', 'prod'] as const)(
    '%s: every runbook_url points to an existing file and heading',
    (env) => {
      const config = loadEnvironmentConfig(env);
      const RUNBOOK_BASE_URL = config.runbookBaseUrl;
      const alerts = ruleFiles(config).flatMap((f) =>
        f.groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r] : []))),
      );
      const unresolved: string[] = [];
      for (const alert of alerts) {
        const url = alert.annotations.runbook_url;
        expect(url.startsWith(`${RUNBOOK_BASE_URL}/`)).toBe(true);
        const [relative, anchor] = url.slice(RUNBOOK_BASE_URL.length + 1).split('#');
        const file = path.join(PROJECT_ROOT, 'docs', 'runbooks', relative ?? '');
        if (!fs.existsSync(file)) unresolved.push(`${alert.alert}: no file docs/runbooks/${relative}`);
        else if (!anchor || !anchorsOf(file).has(anchor))
          unresolved.push(`${alert.alert}: no heading #${anchor} in ${relative}`);
      }
      expect(unresolved).toEqual([]);
    },
  );

  it("links every alert to the environment's runbookBaseUrl, not a hard-coded host", () => {
    const config = { ...loadEnvironmentConfig('prod'), runbookBaseUrl: 'https://runbooks.internal.example/obs/' };
    const urls = ruleFiles(config).flatMap((f) =>
      f.groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.annotations.runbook_url] : []))),
    );
    expect(urls.length).toBeGreaterThan(50);
    for (const url of urls) expect(url).toMatch(/^https:\/\/runbooks\.internal\.example\/obs\/[a-z-]+\.md#[a-z0-9]+$/);
  });

  it('has no runbook section for an alert that does not exist (stale pages mislead on-call)', () => {
    const names = new Set(
      ruleFiles(loadEnvironmentConfig('prod')).flatMap((f) =>
        f.groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.alert] : []))),
      ),
    );
    const dir = path.join(PROJECT_ROOT, 'docs', 'runbooks');
    const stale: string[] = [];
    for (const page of fs.readdirSync(dir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
      const text = fs.readFileSync(path.join(dir, page), 'utf8');
      for (const m of text.matchAll(/^## (\S+)$/gm)) if (!names.has(m[1] ?? '')) stale.push(`${page}: ${m[1]}`);
    }
    expect(stale).toEqual([]);
  });
});
