/**
 * Reads what Powertools Metrics really writes: CloudWatch EMF documents (one JSON line each), flattened into the
 * series CloudWatch extracts from them (namespace, metric name, one dimension set, values). EMF specification:
 * `_aws.CloudWatchMetrics[].{Namespace, Dimensions: string[][], Metrics: {Name, Unit}[]}`, dimension and metric
 * values as top-level members of the document.
 */

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit?: string }[];
    }[];
  };
  readonly [member: string]: unknown;
}

/** One metric of one dimension set of one document, as CloudWatch stores it. */
export interface EmfSeries {
  readonly namespace: string;
  readonly metricName: string;
  readonly unit: string | undefined;
  readonly dimensions: Readonly<Record<string, string>>;
  /** The document's values (EMF allows a number or an array of numbers). */
  readonly values: readonly number[];
}

/**
 * Makes Powertools Metrics write through the global console (POWERTOOLS_DEV, metrics left enabled) and collects
 * each line `console.log` gets. Call `restore()` afterwards (jest.restoreAllMocks also undoes the spy).
 */
export function captureEmf(): { lines: string[]; documents(): EmfDocument[]; restore(): void } {
  const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  const put = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  return {
    lines,
    documents: () => lines.map((line) => JSON.parse(line) as EmfDocument),
    restore() {
      spy.mockRestore();
      put('POWERTOOLS_DEV', saved.dev);
      put('POWERTOOLS_METRICS_DISABLED', saved.disabled);
    },
  };
}

/** Every series the documents define. */
export function emfSeries(documents: readonly EmfDocument[]): EmfSeries[] {
  const series: EmfSeries[] = [];
  for (const doc of documents) {
    for (const directive of doc._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions: Record<string, string> = {};
        for (const name of dimensionSet) dimensions[name] = String(doc[name]);
        for (const metric of directive.Metrics) {
          const value = doc[metric.Name];
          series.push({
            namespace: directive.Namespace,
            metricName: metric.Name,
            unit: metric.Unit,
            dimensions,
            values: (Array.isArray(value) ? value : [value]).map(Number),
          });
        }
      }
    }
  }
  return series;
}

/** The single value of the one series named `metricName` with exactly `dimensions`; throws when not exactly one. */
export function emfValue(series: readonly EmfSeries[], metricName: string, dimensions: Record<string, string>): number {
  const found = series.filter(
    (s) =>
      s.metricName === metricName &&
      Object.keys(s.dimensions).length === Object.keys(dimensions).length &&
      Object.entries(dimensions).every(([k, v]) => s.dimensions[k] === v),
  );
  if (found.length !== 1 || found[0]?.values.length !== 1) {
    throw new Error(
      `${metricName} ${JSON.stringify(dimensions)}: ${found.length} series (${JSON.stringify(found.map((s) => s.values))})`,
    );
  }
  return found[0].values[0] as number;
}
