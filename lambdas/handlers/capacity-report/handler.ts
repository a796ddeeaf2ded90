import type { BucketSizeSource } from '../../adapters/bucket-size';
import { collectCapacityMeasurements } from '../../adapters/capacity-measurements';
import type { Clock } from '../../adapters/clock';
import type { PrometheusApi, ThanosStoresApi } from '../../adapters/prometheus-api';
import type { ReportStore } from '../../adapters/report-store';
import { REPORT_FILES, REPORT_FORMATS, renderReport } from '../../domain/capacity/render';
import type { CapacityReport } from '../../domain/capacity/report';
import { buildCapacityReport } from '../../domain/capacity/report';
import { capacityReportKeys } from '../../domain/capacity/report-keys';
import type { RetentionPolicy } from '../../domain/retention';
import type { StackSizing } from '../../domain/sizing';

export interface CapacityReportDeps {
  readonly prometheus: PrometheusApi;
  /**
   * Thanos Query's store list, asked before measuring (compose.ts passes the `prometheus` client itself: one base
   * URL, CA and agent). Without it the report says the history coverage was not checked.
   */
  readonly storeList?: ThanosStoresApi;
  /** Where the report is written; without it the report is only returned. */
  readonly store?: ReportStore;
  /** The Thanos bucket's size per storage class (optional locally). */
  readonly bucketSize?: { readonly source: BucketSizeSource; readonly bucketName: string };
  readonly environment: string;
  readonly sizing: StackSizing;
  readonly retention: RetentionPolicy;
  readonly now: Clock;
  readonly log?: (message: string, extra?: Record<string, unknown>) => void;
}

/** Scheduled (no fields) or on demand (`now` to report as of another time). */
export interface CapacityReportEvent {
  readonly now?: string;
}

export interface CapacityReportResult {
  readonly report: CapacityReport;
  /** Keys written (dated and latest of each format). */
  readonly written: readonly string[];
  /** The dated HTML report. */
  readonly htmlKey: string;
}

export function makeCapacityReportHandler(deps: CapacityReportDeps) {
  return async (event: CapacityReportEvent = {}): Promise<CapacityReportResult> => {
    const now = event?.now !== undefined ? new Date(event.now) : deps.now();
    if (!Number.isFinite(now.getTime())) throw new Error(`now: not an ISO timestamp: ${JSON.stringify(event.now)}`);
    let bucketBytesByStorageClass: Record<string, number> | undefined;
    if (deps.bucketSize) {
      try {
        bucketBytesByStorageClass = await deps.bucketSize.source.bytesByStorageClass(deps.bucketSize.bucketName, now);
      } catch (error) {
        // The bucket numbers are a nice-to-have: the Prometheus figures still make a useful report.
        deps.log?.('bucket size unavailable', { error: (error as Error).message });
      }
    }
    const measurements = await collectCapacityMeasurements(deps.prometheus, {
      now,
      bucketBytesByStorageClass,
      ...(deps.storeList ? { storeList: deps.storeList } : {}),
    });
    const report = buildCapacityReport(measurements, {
      environment: deps.environment,
      now,
      sizing: deps.sizing,
      retention: deps.retention,
    });
    const written: string[] = [];
    if (deps.store) {
      const store = deps.store;
      // A report for an earlier time (on demand, `now` given) must not replace the latest one, which the weekly
      // summary quotes: only a report as of the present is the latest.
      const isLatest = event?.now === undefined || now.getTime() >= deps.now().getTime();
      for (const format of REPORT_FORMATS) {
        const body = renderReport(report, format);
        const keys = capacityReportKeys(now, format);
        // Dated first: `latest` never points at a report that was not written.
        await store.put(keys.dated, body, REPORT_FILES[format].contentType);
        written.push(keys.dated);
        if (isLatest) {
          await store.put(keys.latest, body, REPORT_FILES[format].contentType);
          written.push(keys.latest);
        }
      }
    }
    deps.log?.('capacity report', { headline: report.headline, written });
    return { report, written, htmlKey: capacityReportKeys(now, 'html').dated };
  };
}
