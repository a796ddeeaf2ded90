import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { peakQuery, WEEK_PEAKS } from '../../lambdas/adapters/capacity-measurements';
import { CAPACITY_RECORDING_RULES } from '../../lambdas/domain/recording-rules';
import { requireBinaries } from '../../lib/devstack/processes';

/**
 * The capacity report judges load on the week before it, not on the quiet Monday hour it runs at
 * (capacity-measurements.ts `WEEK_PEAKS`). Its queries, evaluated by the real Prometheus engine (`promtool test
 * rules`) over a week of 5-minute values: a daily busy period above the trigger counts, one slow 5 minutes does
 * not, and memory is judged on its peak.
 */

const { promtool } = requireBinaries(['promtool']);
const run = promisify(execFile);

const STEP_MINUTES = 5;
const WEEK_POINTS = (7 * 24 * 60) / STEP_MINUTES;

/** A week of 5-minute values (one more for the evaluation instant), one value per point from `at(i)`. */
function week(at: (i: number) => number): string {
  return Array.from({ length: WEEK_POINTS + 1 }, (_, i) => String(at(i))).join(' ');
}
/** Busy from 09:00 to 17:00 every day at `busy`, else `quiet` (the week ends at midnight, a quiet hour). */
const daily = (busy: number, quiet: number) =>
  week((i) => {
    const minute = (i * STEP_MINUTES) % 1440;
    return minute >= 540 && minute < 1020 ? busy : quiet;
  });
/** Quiet all week but one 5-minute value. */
const spike = (peak: number, quiet: number) => week((i) => (i === 1000 ? peak : quiet));

it('judges the week by its 95th percentile (load) and its peak (memory), on the real engine', async () => {
  const { queryRate, prometheusMemoryPerReplica } = CAPACITY_RECORDING_RULES;
  const load = peakQuery(WEEK_PEAKS.load, queryRate.record, false);
  const memory = peakQuery(WEEK_PEAKS.memory, prometheusMemoryPerReplica.record, false);
  const evalTime = `${WEEK_POINTS * STEP_MINUTES}m`;
  const tests = {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [
      {
        interval: `${STEP_MINUTES}m`,
        input_series: [
          // 150 QPS eight hours a day (the trigger is 100), 10 at night and at the report's hour.
          { series: `${queryRate.record}{job="busy-days"}`, values: daily(150, 10) },
          // 10 QPS all week but one 5-minute burst of 1,000.
          { series: `${queryRate.record}{job="one-burst"}`, values: spike(1000, 10) },
          { series: `${prometheusMemoryPerReplica.record}{pod="prometheus-0"}`, values: spike(9e9, 2e9) },
        ],
        promql_expr_test: [
          {
            expr: load,
            eval_time: evalTime,
            exp_samples: [
              { labels: '{job="busy-days"}', value: 150 },
              { labels: '{job="one-burst"}', value: 10 },
            ],
          },
          // The instant value at the report's hour would read 10 for both.
          {
            expr: queryRate.record,
            eval_time: evalTime,
            exp_samples: [
              { labels: `${queryRate.record}{job="busy-days"}`, value: 10 },
              { labels: `${queryRate.record}{job="one-burst"}`, value: 10 },
            ],
          },
          // Memory: the one peak is what an OOM kill meets.
          { expr: memory, eval_time: evalTime, exp_samples: [{ labels: '{pod="prometheus-0"}', value: 9e9 }] },
        ],
      },
    ],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-capacity-peaks-'));
  try {
    const file = path.join(dir, 'peaks.test.yaml');
    fs.writeFileSync(file, stringify(tests));
    const { stdout } = await run(promtool, ['test', 'rules', file]);
    expect(stdout).toContain('SUCCESS');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
