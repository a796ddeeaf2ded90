/**
 * What an alert's annotations read from its labels, checked on a running Prometheus. A template naming a label the
 * alert does not carry renders empty ("Pushgateway  recorded a failed push"): rules tested against fixtures with
 * labels the real series lack never show it, a fired alert does. Prometheus' /api/v1/rules gives each alerting
 * rule's annotation templates beside its active alerts' labels.
 */

interface AlertingRule {
  readonly type: string;
  readonly name: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly alerts?: readonly { readonly labels: Readonly<Record<string, string>> }[];
}

/** `{{ $labels.x }}` and `{{ .Labels.x }}` in a template: the label names it reads. */
export function templateLabels(template: string): string[] {
  return [...template.matchAll(/\{\{[^}]*?(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)[^}]*\}\}/g)].map(
    (m) => m[1] as string,
  );
}

/** For every active alert of `alertname`: the labels its rule's annotations read that it lacks, as readable lines. */
export async function labelsTemplatesMiss(prometheusUrl: string, alertname: string): Promise<string[]> {
  const body = (await (await fetch(`${prometheusUrl}/api/v1/rules?type=alert`)).json()) as {
    data: { groups: { rules: AlertingRule[] }[] };
  };
  const missing: string[] = [];
  for (const rule of body.data.groups.flatMap((g) => g.rules)) {
    if (rule.type !== 'alerting' || rule.name !== alertname) continue;
    const read = new Set(Object.values(rule.annotations ?? {}).flatMap(templateLabels));
    for (const alert of rule.alerts ?? []) {
      for (const label of read) {
        if (!alert.labels[label])
          missing.push(`${alertname} reads $labels.${label}, absent from ${JSON.stringify(alert.labels)}`);
      }
    }
  }
  return missing;
}
