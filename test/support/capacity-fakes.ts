import type { PrometheusApi, RangeSeries, Sample } from '../../lambdas/adapters/prometheus-api';
import type { ReportStore } from '../../lambdas/adapters/report-store';

/** Fake ports for the capacity and summary handlers. */

/** A Prometheus API that answers from a table of expressions (anything else: empty, as Prometheus does). */
export function fakePrometheus(instant: Record<string, Sample[]>, range: Record<string, RangeSeries[]> = {}) {
  const asked: string[] = [];
  const api: PrometheusApi = {
    async query(expr) {
      asked.push(expr);
      return instant[expr] ?? [];
    },
    async queryRange(expr) {
      asked.push(`range:${expr}`);
      return range[expr] ?? [];
    },
  };
  return { api, asked };
}

export function memoryStore(initial: Record<string, string> = {}) {
  const objects = new Map(Object.entries(initial));
  const store: ReportStore = {
    location: (key) => `mem://${key}`,
    async put(key, body) {
      objects.set(key, body);
    },
    async get(key) {
      return objects.get(key);
    },
    async list(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
  return { store, objects };
}
