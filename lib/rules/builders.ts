import type { InputSeries } from './types';

/** A promtool input series: `metric{a="b",...}` with values in promtool's expanding notation (`0+1x40`). */
export function series(metric: string, labels: Readonly<Record<string, string>>, values: string): InputSeries {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return { series: `${metric}{${pairs.join(',')}}`, values };
}

/** Seconds as a Prometheus duration (`3h`, `90m`, `45s`). */
export function duration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** A number as PromQL writes it: no exponent surprises, no trailing zeros. */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}
