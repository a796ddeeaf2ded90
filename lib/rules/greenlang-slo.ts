import type { Severity } from '../../lambdas/domain/receivers';
import type { RuleEvaluator } from '../naming';
import { num, series } from './builders';
import { JOBS } from './conventions';
import type { AlertRuleSpec, InputSeries, RecordingRuleSpec, RuleFileSpec } from './types';

/**
 * GreenLang API SLOs with multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"): an alert
 * fires when the error budget burns fast over a long window AND still burns over a short one (so it resets soon
 * after recovery). Windows up to 2h are evaluated by Prometheus, longer ones and the 30-day budget by the Ruler.
 */

const job = JOBS.greenlangApi;
const sel = `job="${job}"`;

/** The SLO period the budget is measured over. */
export const SLO_PERIOD_DAYS = 30;

export interface ApiSlo {
  /** Value of the `slo` label on the recorded series. */
  readonly name: string;
  /** PascalCase part of the alert names. */
  readonly alertName: string;
  /** Fraction of good events, e.g. 0.999. */
  readonly objective: number;
  /** Error ratio over a window (the SLI's bad fraction). */
  readonly errorRatio: (window: string) => string;
  readonly what: string;
}

/** Requests answered 500-599 count against availability; latency: slower than 500 ms (a histogram bucket). */
export const LATENCY_THRESHOLD_SECONDS = 0.5;

export const API_SLOS: readonly ApiSlo[] = [
  {
    name: 'api-availability',
    alertName: 'Availability',
    objective: 0.999,
    what: 'requests answered with 5xx',
    errorRatio: (w) =>
      `(sum by (job) (rate(http_requests_total{${sel}, code=~"5.."}[${w}])) or 0 * sum by (job) (rate(http_requests_total{${sel}}[${w}])))` +
      ` / sum by (job) (rate(http_requests_total{${sel}}[${w}]))`,
  },
  {
    name: 'api-latency',
    alertName: 'Latency',
    objective: 0.99,
    what: `requests slower than ${LATENCY_THRESHOLD_SECONDS}s`,
    errorRatio: (w) =>
      `1 - sum by (job) (rate(http_request_duration_seconds_bucket{${sel}, le="${LATENCY_THRESHOLD_SECONDS}"}[${w}]))` +
      ` / sum by (job) (rate(http_request_duration_seconds_count{${sel}}[${w}]))`,
  },
];

/** One long/short window pair: the long window proves the burn is significant, the short one that it continues. */
export interface BurnWindow {
  readonly long: string;
  readonly longHours: number;
  readonly short: string;
  /** Share of the whole period's error budget consumed within the long window when the alert fires. */
  readonly budgetConsumed: number;
}

export interface BurnRateAlert {
  readonly suffix: string;
  readonly windows: readonly BurnWindow[];
  readonly severity: Severity;
  readonly for: string;
  readonly evaluator: RuleEvaluator;
}

/** The burn-rate factor that consumes `budgetConsumed` of the budget in `longHours`: 2% in 1h → 14.4. */
export function burnRateFactor(window: Pick<BurnWindow, 'budgetConsumed' | 'longHours'>): number {
  return Number(((window.budgetConsumed * SLO_PERIOD_DAYS * 24) / window.longHours).toPrecision(12));
}

/** The SRE workbook's recommended pairs (2% in 1h, 5% in 6h page; 10% in 1d or 3d make a ticket). */
export const BURN_RATE_ALERTS: readonly BurnRateAlert[] = [
  {
    suffix: 'FastBurn',
    windows: [{ long: '1h', longHours: 1, short: '5m', budgetConsumed: 0.02 }],
    severity: 'critical',
    for: '2m',
    evaluator: 'prometheus',
  },
  {
    suffix: 'MediumBurn',
    windows: [{ long: '6h', longHours: 6, short: '30m', budgetConsumed: 0.05 }],
    severity: 'critical',
    for: '15m',
    evaluator: 'thanos-ruler',
  },
  {
    suffix: 'SlowBurn',
    windows: [
      { long: '1d', longHours: 24, short: '2h', budgetConsumed: 0.1 },
      { long: '3d', longHours: 72, short: '6h', budgetConsumed: 0.1 },
    ],
    severity: 'warning',
    for: '1h',
    evaluator: 'thanos-ruler',
  },
];

/** Error-ratio windows recorded by Prometheus (≤ 2h) and by the Thanos Ruler (longer). */
export const PROMETHEUS_SLI_WINDOWS = ['5m', '30m', '1h', '2h'] as const;
export const RULER_SLI_WINDOWS = ['6h', '1d', '3d', `${SLO_PERIOD_DAYS}d`] as const;

export const sliRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;
export const BUDGET_REMAINING_RECORD = `slo:error_budget_remaining:ratio_rate${SLO_PERIOD_DAYS}d`;

function sliRecordings(windows: readonly string[]): RecordingRuleSpec[] {
  return API_SLOS.flatMap((slo) =>
    windows.map((w) => ({ record: sliRecord(w), expr: slo.errorRatio(w), labels: { slo: slo.name } })),
  );
}

/** Failure and healthy traffic for one SLO: 50% bad vs none. */
function traffic(slo: ApiSlo, points: number): { firing: InputSeries[]; healthy: InputSeries[] } {
  const n = `x${points}`;
  if (slo.name === 'api-availability') {
    return {
      firing: [
        series('http_requests_total', { job, code: '200' }, `0+300${n}`),
        series('http_requests_total', { job, code: '503' }, `0+300${n}`),
      ],
      healthy: [
        series('http_requests_total', { job, code: '200' }, `0+600${n}`),
        series('http_requests_total', { job, code: '503' }, `0${n}`),
      ],
    };
  }
  const le = String(LATENCY_THRESHOLD_SECONDS);
  return {
    firing: [
      series('http_request_duration_seconds_bucket', { job, le }, `0+300${n}`),
      series('http_request_duration_seconds_count', { job }, `0+600${n}`),
    ],
    healthy: [
      series('http_request_duration_seconds_bucket', { job, le }, `0+600${n}`),
      series('http_request_duration_seconds_count', { job }, `0+600${n}`),
    ],
  };
}

function durationMinutes(text: string): number {
  const match = /^(\d+)([mh])$/.exec(text);
  if (!match) throw new Error(`unsupported duration: ${text}`);
  return Number(match[1]) * (match[2] === 'h' ? 60 : 1);
}

function burnRateAlert(slo: ApiSlo, spec: BurnRateAlert): AlertRuleSpec {
  const budget = 1 - slo.objective;
  const sel = `{slo="${slo.name}"}`;
  const conditions = spec.windows.map((w) => {
    const threshold = num(burnRateFactor(w) * budget);
    return `(${sliRecord(w.long)}${sel} > ${threshold} and on (job, slo) ${sliRecord(w.short)}${sel} > ${threshold})`;
  });
  const windows = spec.windows.map((w) => `${w.long}/${w.short} above ${burnRateFactor(w)}x`).join(', or ');
  // Long enough for `for` plus the windows to fill a little (rates extrapolate over partial windows).
  const evalMinutes = durationMinutes(spec.for) + 15;
  return {
    alert: `GreenLangAPI${slo.alertName}${spec.suffix}`,
    expr: conditions.join(' or '),
    for: spec.for,
    severity: spec.severity,
    summary: `GreenLang API ${slo.name} SLO: error budget burning too fast (${spec.suffix})`,
    description: `The share of ${slo.what} burns the ${SLO_PERIOD_DAYS}-day error budget (objective ${slo.objective * 100}%) at ${windows} the sustainable rate. At this pace the budget is gone well before the period ends.`,
    test: {
      evalTime: `${evalMinutes}m`,
      ...traffic(slo, evalMinutes + 10),
      labels: { job, slo: slo.name },
    },
  };
}

function budgetExhaustedAlert(slo: ApiSlo): AlertRuleSpec {
  return {
    alert: `GreenLangAPI${slo.alertName}ErrorBudgetExhausted`,
    expr: `${BUDGET_REMAINING_RECORD}{slo="${slo.name}"} <= 0`,
    for: '15m',
    severity: 'warning',
    summary: `GreenLang API ${slo.name} SLO: the ${SLO_PERIOD_DAYS}-day error budget is spent`,
    description: `Over the last ${SLO_PERIOD_DAYS} days the share of ${slo.what} exceeded what the ${slo.objective * 100}% objective allows. Prioritise reliability work over releases until the budget recovers.`,
    test: { evalTime: '1h', ...traffic(slo, 70), labels: { job, slo: slo.name } },
  };
}

/** SLIs over short windows and the fast-burn page: evaluated by Prometheus. */
export function greenlangSloRules(): RuleFileSpec {
  return {
    name: 'greenlang-slo',
    evaluator: 'prometheus',
    runbook: 'greenlang-api',
    service: 'greenlang-api',
    groups: [
      {
        name: 'greenlang-api-sli',
        rules: sliRecordings(PROMETHEUS_SLI_WINDOWS),
        recordingTests: [
          {
            name: 'availability SLI: the share of 5xx answers',
            input: [
              series('http_requests_total', { job, code: '200' }, '0+540x20'),
              series('http_requests_total', { job, code: '503' }, '0+60x20'),
            ],
            evalTime: '10m',
            expr: `${sliRecord('5m')}{slo="api-availability"}`,
            expected: [{ labels: `${sliRecord('5m')}{job="${job}",slo="api-availability"}`, value: 0.1 }],
          },
          {
            name: 'availability SLI: 0, not missing, when no request failed',
            input: [series('http_requests_total', { job, code: '200' }, '0+600x20')],
            evalTime: '10m',
            expr: `${sliRecord('1h')}{slo="api-availability"}`,
            expected: [{ labels: `${sliRecord('1h')}{job="${job}",slo="api-availability"}`, value: 0 }],
          },
          {
            name: 'latency SLI: the share of requests slower than the threshold',
            input: [
              series(
                'http_request_duration_seconds_bucket',
                { job, le: String(LATENCY_THRESHOLD_SECONDS) },
                '0+300x20',
              ),
              series('http_request_duration_seconds_count', { job }, '0+600x20'),
            ],
            evalTime: '10m',
            expr: `${sliRecord('5m')}{slo="api-latency"}`,
            expected: [{ labels: `${sliRecord('5m')}{job="${job}",slo="api-latency"}`, value: 0.5 }],
          },
        ],
      },
      {
        name: 'greenlang-api-slo',
        rules: [
          {
            alert: 'GreenLangAPIDown',
            expr: `sum by (job) (up{${sel}}) == 0`,
            for: '2m',
            severity: 'critical',
            summary: 'No GreenLang API instance can be scraped',
            description:
              'Every greenlang-api target is down: the API is probably unavailable, and its SLO alerts are blind while it is.',
            test: {
              firing: [
                series('up', { job, instance: '10.0.1.10:8080' }, '0x40'),
                series('up', { job, instance: '10.0.2.10:8080' }, '0x40'),
              ],
              healthy: [
                series('up', { job, instance: '10.0.1.10:8080' }, '0x40'),
                series('up', { job, instance: '10.0.2.10:8080' }, '1x40'),
              ],
              labels: { job },
            },
          },
          ...API_SLOS.flatMap((slo) =>
            BURN_RATE_ALERTS.filter((a) => a.evaluator === 'prometheus').map((a) => burnRateAlert(slo, a)),
          ),
        ],
      },
    ],
  };
}

/** SLIs over long windows, the 30-day budget and the slower burn-rate alerts: evaluated by the Thanos Ruler. */
export function greenlangSloLongRangeRules(): RuleFileSpec {
  return {
    name: 'greenlang-slo-long-range',
    evaluator: 'thanos-ruler',
    runbook: 'greenlang-api',
    service: 'greenlang-api',
    groups: [
      {
        name: 'greenlang-api-sli-long-range',
        interval: '1m',
        rules: [
          ...sliRecordings(RULER_SLI_WINDOWS),
          ...API_SLOS.map((slo) => ({
            record: BUDGET_REMAINING_RECORD,
            expr: `1 - ${sliRecord(`${SLO_PERIOD_DAYS}d`)}{slo="${slo.name}"} / ${num(1 - slo.objective)}`,
            labels: { slo: slo.name },
          })),
        ],
        recordingTests: [
          {
            name: 'error budget: untouched when nothing failed',
            input: [series('http_requests_total', { job, code: '200' }, '0+600x70')],
            evalTime: '1h',
            expr: `${BUDGET_REMAINING_RECORD}{slo="api-availability"}`,
            expected: [{ labels: `${BUDGET_REMAINING_RECORD}{job="${job}",slo="api-availability"}`, value: 1 }],
          },
          {
            name: 'error budget: 1 - 1/0.001 when every request failed',
            input: [series('http_requests_total', { job, code: '503' }, '0+600x70')],
            evalTime: '1h',
            expr: `${BUDGET_REMAINING_RECORD}{slo="api-availability"}`,
            expected: [{ labels: `${BUDGET_REMAINING_RECORD}{job="${job}",slo="api-availability"}`, value: -999 }],
          },
        ],
      },
      {
        name: 'greenlang-api-slo-long-range',
        interval: '1m',
        rules: API_SLOS.flatMap((slo) => [
          ...BURN_RATE_ALERTS.filter((a) => a.evaluator === 'thanos-ruler').map((a) => burnRateAlert(slo, a)),
          budgetExhaustedAlert(slo),
        ]),
      },
    ],
  };
}
