import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { EnvironmentConfig } from '../config';
import { alertmanagerDashboard } from './alertmanager';
import { capacityDashboard } from './capacity';
import { greenlangServicesDashboard } from './greenlang-services';
import { kubernetesDashboard } from './kubernetes';
import { buildDashboard, CLUSTER_VARIABLE, type DashboardSpec } from './model';
import { prometheusDashboard } from './prometheus';
import { pushgatewayDashboard } from './pushgateway';
import { stackOverviewDashboard } from './stack-overview';
import { thanosDashboard } from './thanos';

export type { DashboardSpec } from './model';
export { GRAFANA_UNITS, THANOS_DATASOURCE } from './model';

/** Every dashboard as a spec, in the order Grafana's list and the README show them. */
export function dashboardSpecs(config: EnvironmentConfig): DashboardSpec[] {
  return [
    stackOverviewDashboard(config),
    prometheusDashboard(config),
    thanosDashboard(config),
    alertmanagerDashboard(),
    pushgatewayDashboard(),
    greenlangServicesDashboard(),
    capacityDashboard(config),
    kubernetesDashboard(),
  ];
}

/** One provisioned dashboard: its uid, Grafana's model, and the file name under `grafana/dashboards/`. */
export interface BuiltDashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly fileName: string;
  readonly model: Dashboard;
}

/** Every dashboard built into Grafana's model (what `npm run render` writes and the ConfigMaps carry). */
export function dashboards(config: EnvironmentConfig): BuiltDashboard[] {
  const built = dashboardSpecs(config).map((spec) => ({
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    fileName: `${spec.uid}.json`,
    // The plain JSON Grafana reads (the SDK's objects carry marker methods such as _implementsDataqueryVariant).
    model: JSON.parse(JSON.stringify(buildDashboard(spec))) as Dashboard,
  }));
  const uids = new Set<string>();
  for (const d of built) {
    if (uids.has(d.uid)) throw new Error(`dashboards: uid "${d.uid}" is used twice`);
    uids.add(d.uid);
  }
  return built;
}

/** The JSON text of a dashboard as provisioned. */
export function dashboardJson(dashboard: BuiltDashboard): string {
  return `${JSON.stringify(dashboard.model, null, 2)}\n`;
}

/**
 * What Grafana puts in place of each template variable when "All" is selected: the variables' `allValue`, a regex
 * matching everything (every variable here is used in `=~` matchers only).
 */
export const ALL_VALUE = '.*';

/** Replaces `$var` and `${var}` (Grafana's template syntax) with `values[var]`, or {@link ALL_VALUE}. */
export function substituteTemplateVariables(expr: string, values: Readonly<Record<string, string>> = {}): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    return values[name] ?? ALL_VALUE;
  });
}

/** A panel query as the dashboards carry it. */
export interface DashboardQuery {
  /** Dashboard uid. */
  readonly dashboard: string;
  /** Panel title. */
  readonly panel: string;
  /** PromQL with template variables substituted by their "All" value: valid PromQL for the contract and tests. */
  readonly expr: string;
  /** The expression as written in the dashboard (with `$cluster` etc.). */
  readonly rawExpr: string;
}

interface PanelLike {
  readonly title?: string;
  readonly type?: string;
  readonly targets?: readonly { readonly expr?: unknown }[];
  readonly panels?: readonly PanelLike[];
}

/**
 * Every panel query of every dashboard, read from the built models (what Grafana really gets), for the
 * rule ↔ target contract and the query integration test.
 */
export function dashboardQueries(config: EnvironmentConfig): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const d of dashboards(config)) {
    const walk = (panels: readonly PanelLike[]) => {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          if (typeof target.expr !== 'string') continue;
          queries.push({
            dashboard: d.uid,
            panel: panel.title ?? '',
            expr: substituteTemplateVariables(target.expr),
            rawExpr: target.expr,
          });
        }
        walk(panel.panels ?? []);
      }
    };
    walk((d.model.panels ?? []) as readonly PanelLike[]);
  }
  return queries;
}

export { CLUSTER_VARIABLE };
