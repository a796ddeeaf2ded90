import type { EnvironmentConfig } from '../config';
import { ruleFiles } from '../rules';
import { isAlertingRule } from '../rules/types';
import type { Query } from './selectors';
import { type Target, vectorSelectors } from './selectors';

/** Every alert and recording rule expression of an environment, named `rules/<file>/<alert or record>`. */
export function ruleQueries(config: EnvironmentConfig): Query[] {
  return ruleFiles(config).flatMap((file) =>
    file.groups.flatMap((group) =>
      group.rules.map((rule) => ({
        source: `rules/${file.name}/${isAlertingRule(rule) ? rule.alert : rule.record}`,
        expr: rule.expr,
      })),
    ),
  );
}

/**
 * Recording rules are targets for the rules that read them: each recorded name, under every job its expression
 * reads (a `by (job)` keeps it; a recording without `job` is matched by selectors without a job matcher only, as
 * `job` is then absent).
 */
export function recordingRuleTargets(config: EnvironmentConfig): Target[] {
  const targets: Target[] = [];
  for (const file of ruleFiles(config)) {
    for (const group of file.groups) {
      for (const rule of group.rules) {
        if (isAlertingRule(rule)) continue;
        const keepsJob = /\bby\s*\([^)]*\bjob\b/.test(rule.expr) || rule.labels?.job !== undefined;
        const jobs = new Set<string>();
        if (keepsJob) {
          for (const selector of vectorSelectors(rule.expr)) {
            for (const m of selector.matchers) if (m.name === 'job' && m.op === '=') jobs.add(m.value);
          }
        }
        const origin = `recording rule in prometheus/rules/${file.name}.yaml`;
        const names = new Set([rule.record]);
        if (jobs.size === 0) targets.push({ job: '', names, origin });
        for (const job of jobs) targets.push({ job, names, origin });
      }
    }
  }
  return targets;
}
