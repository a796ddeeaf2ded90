/**
 * The capacity report as JSON, Markdown and a self-contained HTML page (inline CSS and SVG charts, no external
 * assets, so it opens from the bucket, an email link or a file). Pure: strings in, strings out.
 */
import { formatBytes, formatNumber } from './formulas';
import { describeHistoryCoverage } from './history-coverage';
import { type LinearFit, type Projection, type TimePoint, valueAt } from './projection';
import { type CapacityReport, DAY_MILLIS, describeProjection, type Recommendation } from './report';

export const REPORT_FORMATS = ['json', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** File extension and content type of each format, as stored in the reports bucket. */
export const REPORT_FILES: Readonly<Record<ReportFormat, { readonly file: string; readonly contentType: string }>> = {
  json: { file: 'report.json', contentType: 'application/json' },
  markdown: { file: 'report.md', contentType: 'text/markdown; charset=utf-8' },
  html: { file: 'report.html', contentType: 'text/html; charset=utf-8' },
};

/** The store gateway's pods: replicas, or shards × replicas when sharded, with the maximum. */
const storePods = ({ thanosStore: s }: CapacityReport) =>
  s.shards > 1 ? `${s.shards} × ${s.replicas} (${s.maxReplicas})` : `${s.replicas} (${s.maxReplicas})`;

export function renderReport(report: CapacityReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'markdown':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
  }
}

const CODE_LABEL: Record<Recommendation['code'], string> = {
  HISTORY_INCOMPLETE: 'History incomplete',
  SCALE_OUT: 'Scale out',
  RAISE_LIMIT: 'Raise limit',
  FINE: 'Fine',
  NO_DATA: 'No data',
};

const orDash = (value: number | null, show: (v: number) => string) => (value === null ? '—' : show(value));

/** The store gateway rows of the coverage section: configured, answering, per-shard when the names tell. */
function coverageFacts({ historyCoverage: c }: CapacityReport): [string, string][] {
  if (!c.checked) return [];
  const g = c.storeGateways;
  const list = (shards: readonly number[] | null) =>
    shards === null ? 'unknown (Query names them by address)' : shards.join(', ') || 'none';
  return [
    ['Store gateway shards × replicas', `${g.expectedShards} × ${g.replicasPerShard}`],
    ['Store gateways answering Thanos Query', String(g.answering)],
    ['Shards answering', list(g.answeringShards)],
    [
      'Shards missing',
      c.status === 'complete'
        ? 'none'
        : g.missingShards !== null
          ? list(g.missingShards)
          : g.missingAtLeast > 0
            ? `at least ${g.missingAtLeast}`
            : 'unknown',
    ],
    ['Listed with an error', g.failing.map((f) => `${f.name}: ${f.lastError}`).join('; ') || 'none'],
    ['Oldest data Query reads', c.oldestDataAt ?? '—'],
  ];
}

export function renderMarkdown(report: CapacityReport): string {
  const md = (text: string) => text.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
  const lines: string[] = [
    `# Capacity report — ${md(report.environment)}`,
    '',
    `Generated ${report.generatedAt}; growth projected from the last ${report.windowDays} days, ${report.horizonDays} days ahead.`,
    '',
    `**${md(report.headline)}**`,
    '',
    '## Recommendations',
    '',
    '| Code | Component | Recommendation |',
    '|---|---|---|',
    ...report.recommendations.map((r) => `| ${r.code} | ${r.component} | ${md(r.message)} |`),
    '',
    '## History coverage',
    '',
    md(describeHistoryCoverage(report.historyCoverage)),
    '',
    ...(report.historyCoverage.checked
      ? [
          '| Store gateways | Now |',
          '|---|---|',
          ...coverageFacts(report).map(([k, v]) => `| ${md(k)} | ${md(v)} |`),
          '',
        ]
      : []),
    '## Prometheus replicas',
    '',
    '| Replica | Head series | Trigger | Samples/s | Memory (week peak) | Memory (formula) | Memory limit | Local storage (formula) | retentionSize | Series projection |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...report.prometheus.replicas.map(
      (r) =>
        `| ${md(r.replica)} | ${formatNumber(r.headSeries)} | ${formatNumber(r.seriesTrigger)} | ${formatNumber(r.samplesPerSecond)} | ${orDash(r.memoryBytes, formatBytes)} | ${formatBytes(r.estimatedMemoryBytes)} | ${formatBytes(r.memoryLimitBytes)} | ${formatBytes(r.estimatedLocalStorageBytes)} | ${formatBytes(r.localStorageLimitBytes)} | ${describeProjection(r.seriesProjection)} |`,
    ),
    '',
    '## Thanos',
    '',
    '| Component | Week p95 | Trigger | Replicas (max) |',
    '|---|---:|---:|---:|',
    `| Thanos Query | ${orDash(report.thanosQuery.qps, (v) => `${formatNumber(v)} QPS`)} | ${report.thanosQuery.trigger} QPS | ${report.thanosQuery.replicas} (${report.thanosQuery.maxReplicas}) |`,
    `| Store gateway | ${orDash(report.thanosStore.p99LatencySeconds, (v) => `${formatNumber(v)} s p99`)} | ${report.thanosStore.trigger} s | ${storePods(report)} |`,
    '',
  ];
  if (report.bucket) {
    lines.push('## Thanos bucket by storage class', '', '| Storage class | Size |', '|---|---:|');
    for (const [cls, bytes] of Object.entries(report.bucket.byStorageClass))
      lines.push(`| ${md(cls)} | ${formatBytes(bytes)} |`);
    lines.push(`| **Total** | **${formatBytes(report.bucket.totalBytes)}** |`, '');
  }
  lines.push(
    '## Formulas',
    '',
    '- Memory = series × 3 KB × 2 + 1 GB (decimal units: 1M series → 7 GB).',
    `- Storage = samples/s × retention × 1.5 B × 2 (local retention ${report.localRetentionDays} d; 100k samples/s × 7 d → 181 GB).`,
    '',
  );
  return lines.join('\n');
}

const esc = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const PALETTE = ['#2563eb', '#d97706', '#059669', '#7c3aed'];

export interface ChartSeries {
  readonly name: string;
  readonly points: readonly TimePoint[];
  readonly projection: Projection;
}

export interface ChartOptions {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  readonly limit: number;
  readonly limitLabel: string;
  readonly now: number;
  readonly horizonDays: number;
  readonly format: (value: number) => string;
}

/** A line chart as inline SVG: measured lines, dashed projections to the crossing (or the horizon), the limit. */
export function renderChart(options: ChartOptions): string {
  const width = 880;
  const height = 300;
  const pad = { left: 84, right: 24, top: 16, bottom: 40 };
  const fits = options.series.map((s) => fitOf(s.projection));
  const projectionEnds = options.series.map((s) => {
    const p = s.projection;
    if (p.kind === 'crosses') return Date.parse(p.at) + 2 * DAY_MILLIS;
    return options.now + Math.min(options.horizonDays, 28) * DAY_MILLIS;
  });
  const allPoints = options.series.flatMap((s) => s.points);
  const xMin = Math.min(options.now - 28 * DAY_MILLIS, ...allPoints.map((p) => p.at));
  const xMax = Math.max(options.now + DAY_MILLIS, ...projectionEnds);
  const projected = fits.flatMap((fit, i) =>
    fit ? [valueAt(fit, options.now), valueAt(fit, projectionEnds[i] ?? options.now)] : [],
  );
  const yMax = niceCeil(
    Math.max(
      options.limit * 1.15,
      ...allPoints.map((p) => p.value * 1.1),
      ...projected.map((v) => Math.min(v, options.limit * 1.5)),
    ),
  );
  const x = (at: number) => pad.left + ((at - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const y = (v: number) => pad.top + (1 - Math.max(0, Math.min(v, yMax)) / yMax) * (height - pad.top - pad.bottom);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${pad.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${esc(options.format(v))}</text>`,
    );
  }
  const weekMs = 7 * DAY_MILLIS;
  for (let t = options.now - Math.floor((options.now - xMin) / weekMs) * weekMs; t <= xMax; t += weekMs) {
    parts.push(
      `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${height - pad.bottom}" y2="${height - pad.bottom + 5}" stroke="#9ca3af"/>`,
      `<text x="${x(t).toFixed(1)}" y="${height - pad.bottom + 20}" text-anchor="middle" class="tick">${new Date(t).toISOString().slice(5, 10)}</text>`,
    );
  }
  parts.push(
    `<line x1="${x(options.now).toFixed(1)}" x2="${x(options.now).toFixed(1)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#6b7280" stroke-dasharray="2 3"/>`,
    `<text x="${(x(options.now) + 4).toFixed(1)}" y="${pad.top + 12}" class="tick">now</text>`,
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(options.limit).toFixed(1)}" y2="${y(options.limit).toFixed(1)}" stroke="#dc2626" stroke-width="2"/>`,
    `<text x="${pad.left + 6}" y="${(y(options.limit) - 6).toFixed(1)}" class="limit">${esc(options.limitLabel)}</text>`,
  );
  options.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const path = s.points
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`)
      .join(' ');
    if (s.points.length > 1) parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    else if (s.points.length === 1 && s.points[0])
      parts.push(
        `<circle cx="${x(s.points[0].at).toFixed(1)}" cy="${y(s.points[0].value).toFixed(1)}" r="3" fill="${color}"/>`,
      );
    const fit = fits[i];
    const end = projectionEnds[i];
    if (fit && end !== undefined && s.projection.kind !== 'insufficient-data') {
      parts.push(
        `<path d="M${x(options.now).toFixed(1)},${y(valueAt(fit, options.now)).toFixed(1)} L${x(end).toFixed(1)},${y(valueAt(fit, end)).toFixed(1)}" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="6 4"/>`,
      );
    }
    if (s.projection.kind === 'crosses') {
      const at = Date.parse(s.projection.at);
      parts.push(
        `<circle cx="${x(at).toFixed(1)}" cy="${y(options.limit).toFixed(1)}" r="5" fill="none" stroke="#dc2626" stroke-width="2"/>`,
      );
    }
  });
  const legend = options.series
    .map(
      (s, i) =>
        `<span class="key"><span class="swatch" style="background:${PALETTE[i % PALETTE.length]}"></span>${esc(s.name)}: ${esc(describeProjection(s.projection))}</span>`,
    )
    .join('');
  return `<figure><figcaption>${esc(options.title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(options.title)}">${parts.join('')}</svg><div class="legend">${legend}<span class="key"><span class="swatch dashed"></span>projection (least squares, last 28 days)</span><span class="key"><span class="swatch limit"></span>limit</span></div></figure>`;
}

function fitOf(p: Projection): LinearFit | undefined {
  return p.kind === 'crosses' || p.kind === 'not-within-horizon' ? p.fit : undefined;
}

function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f9fafb;margin:0}
main{max-width:960px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.meta{color:#6b7280;margin:0 0 16px}.headline{font-size:17px;font-weight:600;padding:12px 16px;border-radius:8px;background:#eef2ff;border-left:4px solid #4f46e5}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}th,td{padding:6px 10px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.code{display:inline-block;font-size:12px;font-weight:700;padding:2px 8px;border-radius:999px;white-space:nowrap}
.HISTORY_INCOMPLETE{background:#fce7f3;color:#9d174d}.SCALE_OUT{background:#fee2e2;color:#991b1b}.RAISE_LIMIT{background:#fef3c7;color:#92400e}.FINE{background:#d1fae5;color:#065f46}.NO_DATA{background:#e5e7eb;color:#374151}
figure{margin:12px 0 24px;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px}figcaption{font-weight:600;margin-bottom:6px}
.tick{font-size:12px;fill:#6b7280}.limit{font-size:12px;fill:#dc2626;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;color:#374151;margin-top:6px}.key{display:inline-flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:18px;height:3px;background:#2563eb}.swatch.dashed{background:repeating-linear-gradient(90deg,#6b7280 0 6px,transparent 6px 10px)}.swatch.limit{background:#dc2626}
.muted{color:#6b7280;font-size:13px}`;

export function renderHtml(report: CapacityReport): string {
  const now = Date.parse(report.generatedAt);
  const replicas = report.prometheus.replicas;
  const limitSeries = replicas[0]?.seriesTrigger ?? 0;
  const storageLimit = replicas[0]?.localStorageLimitBytes ?? 0;
  const charts = replicas.length
    ? [
        renderChart({
          title: 'Head series per Prometheus replica',
          series: replicas.map((r) => ({ name: r.replica, points: r.seriesHistory, projection: r.seriesProjection })),
          limit: limitSeries,
          limitLabel: `scale trigger ${formatNumber(limitSeries)} series/replica`,
          now,
          horizonDays: report.horizonDays,
          format: compactNumber,
        }),
        renderChart({
          title: `Local storage per replica (samples/s × ${report.localRetentionDays} d × 1.5 B × 2)`,
          series: replicas.map((r) => ({ name: r.replica, points: r.storageHistory, projection: r.storageProjection })),
          limit: storageLimit,
          limitLabel: `retentionSize ${formatBytes(storageLimit)}`,
          now,
          horizonDays: report.horizonDays,
          format: formatBytes,
        }),
      ].join('')
    : '<p class="muted">No Prometheus data: nothing to chart.</p>';
  const rows = replicas
    .map(
      (r) =>
        `<tr><td>${esc(r.replica)}</td><td class="num">${formatNumber(r.headSeries)}</td><td class="num">${formatNumber(r.samplesPerSecond)}</td><td class="num">${orDash(r.memoryBytes, formatBytes)}</td><td class="num">${formatBytes(r.estimatedMemoryBytes)}</td><td class="num">${formatBytes(r.memoryLimitBytes)}</td><td class="num">${formatBytes(r.estimatedLocalStorageBytes)}</td><td class="num">${formatBytes(r.localStorageLimitBytes)}</td></tr>`,
    )
    .join('');
  const bucket = report.bucket
    ? `<h2>Thanos bucket</h2><table><tr><th>Storage class</th><th class="num">Size</th></tr>${Object.entries(
        report.bucket.byStorageClass,
      )
        .map(([cls, bytes]) => `<tr><td>${esc(cls)}</td><td class="num">${formatBytes(bytes)}</td></tr>`)
        .join('')}<tr><th>Total</th><th class="num">${formatBytes(report.bucket.totalBytes)}</th></tr></table>`
    : '';
  const facts = coverageFacts(report);
  const coverage = facts.length
    ? `<table>${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Capacity report — ${esc(report.environment)} — ${esc(report.generatedAt.slice(0, 10))}</title><style>${CSS}</style></head>
<body><main>
<h1>Capacity report — ${esc(report.environment)}</h1>
<p class="meta">Generated ${esc(report.generatedAt)} · growth projected from the last ${report.windowDays} days, ${report.horizonDays} days ahead</p>
<p class="headline">${esc(report.headline)}</p>
<h2>Recommendations</h2>
<table><tr><th>Action</th><th>Component</th><th>What to do</th></tr>${report.recommendations
    .map(
      (r) =>
        `<tr><td><span class="code ${r.code}">${CODE_LABEL[r.code]}</span></td><td>${esc(r.component)}</td><td>${esc(r.message)}</td></tr>`,
    )
    .join('')}</table>
<h2>History coverage</h2>
<p>${esc(describeHistoryCoverage(report.historyCoverage))}</p>${coverage}
<h2>Growth</h2>${charts}
<h2>Prometheus replicas</h2>
<table><tr><th>Replica</th><th class="num">Head series</th><th class="num">Samples/s</th><th class="num">Memory (week peak)</th><th class="num">Memory (formula)</th><th class="num">Memory limit</th><th class="num">Local storage (formula)</th><th class="num">retentionSize</th></tr>${rows}</table>
<h2>Thanos</h2>
<table><tr><th>Component</th><th class="num">Week p95</th><th class="num">Trigger</th><th class="num">Replicas (max)</th></tr>
<tr><td>Thanos Query</td><td class="num">${orDash(report.thanosQuery.qps, (v) => `${formatNumber(v)} QPS`)}</td><td class="num">${report.thanosQuery.trigger} QPS</td><td class="num">${report.thanosQuery.replicas} (${report.thanosQuery.maxReplicas})</td></tr>
<tr><td>Store gateway</td><td class="num">${orDash(report.thanosStore.p99LatencySeconds, (v) => `${formatNumber(v)} s p99`)}</td><td class="num">${report.thanosStore.trigger} s</td><td class="num">${storePods(report)}</td></tr></table>
${bucket}
<p class="muted">Memory = series × 3 KB × 2 + 1 GB; storage = samples/s × retention × 1.5 B × 2 (decimal units, as the seed: 1M series → 7 GB, 100k samples/s × 7 d → 181 GB). Scale triggers: ${formatNumber(limitSeries)} series per Prometheus replica, ${report.thanosQuery.trigger} QPS on Thanos Query, ${report.thanosStore.trigger} s store gateway latency. Query rate and latency are judged on their 95th percentile over the week before the report, memory on its peak.</p>
</main></body></html>
`;
}

/** `1_250_000` → `1.25M`. */
export function compactNumber(value: number): string {
  if (Math.abs(value) >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (Math.abs(value) >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(2)}`;
}
