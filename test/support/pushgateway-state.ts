/**
 * What a Pushgateway holds, from its `/api/v1/metrics`, in a form two Pushgateways can be compared by: every group
 * (empty ones too: a refused push creates them), its families without their scrape time stamps, and instead of
 * the push times and client-side creation times (which differ by nature) whether the group was ever pushed successfully, whether a push to it
 * was refused, and `last_push_successful`.
 */
export interface GroupView {
  readonly labels: Record<string, string>;
  readonly pushed: boolean;
  readonly failed: boolean;
  readonly lastPushSuccessful: unknown;
  readonly families: Record<string, unknown>;
}

interface ApiFamily {
  readonly time_stamp?: string;
  readonly metrics?: { readonly value?: string }[];
  readonly [key: string]: unknown;
}

function nonZero(family: unknown): boolean {
  const value = (family as ApiFamily | undefined)?.metrics?.[0]?.value;
  return value !== undefined && Number(value) !== 0;
}

export async function pushgatewayState(url: string): Promise<GroupView[]> {
  const response = await fetch(`${url}/api/v1/metrics`);
  if (!response.ok) throw new Error(`${url}/api/v1/metrics answered ${response.status}`);
  const json = (await response.json()) as { data: Record<string, unknown>[] };
  const groups = json.data.map((group): GroupView => {
    const families: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(group)) {
      if (['labels', 'last_push_successful', 'push_time_seconds', 'push_failure_time_seconds'].includes(name)) continue;
      const { time_stamp: _ignored, ...family } = value as ApiFamily;
      // prometheus_client's `*_created` gauges hold the time the job created the metric: two runs differ.
      families[name] = name.endsWith('_created')
        ? { ...family, metrics: family.metrics?.map((m) => ({ ...m, value: 'creation time' })) }
        : family;
    }
    return {
      labels: group.labels as Record<string, string>,
      pushed: nonZero(group.push_time_seconds),
      failed: nonZero(group.push_failure_time_seconds),
      lastPushSuccessful: group.last_push_successful,
      families,
    };
  });
  return groups.sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)));
}

/** `pushgateway_http_requests_total` of a Pushgateway's own `/metrics`, by `code handler method`. */
export async function pushgatewayRequestCounts(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(
    /^pushgateway_http_requests_total\{code="(\d+)",handler="([^"]+)",method="([^"]+)"\} (\S+)$/gm,
  )) {
    const [, code, handler, method, value] = match;
    if (handler === 'push' || handler === 'delete') counts[`${code} ${handler} ${method}`] = Number(value);
  }
  return counts;
}
