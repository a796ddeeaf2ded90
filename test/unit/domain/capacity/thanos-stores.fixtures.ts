/**
 * Thanos Query `GET /api/v1/stores` answers, byte for byte as Thanos writes them (no Thanos binary here), for the
 * coverage unit tests and the stand-in Query of test/integration/capacity-stores.test.ts. Where the shape comes from
 * (thanos-io/thanos):
 * - envelope: pkg/api/api.go `Respond` encodes `response{Status: "success", Data: data}` with json.Encoder (a
 *   trailing newline; `warnings`, `errorType`, `error` omitted when empty); `RespondError` writes
 *   `{"status":"error","errorType":...,"error":...}` with 400/422/500/503;
 * - `data`: pkg/api/query/v1.go `QueryAPI.stores` returns `map[string][]query.EndpointStatus` keyed by
 *   `status.ComponentType.String()`, skipping endpoints without a component type; registered with `r.Get("/stores")`
 *   only;
 * - keys: pkg/component/component.go lines 86–91 of the newest version stored (`receive`, `rule`, `sidecar`,
 *   `store`, `unknown-store-api`, `query`);
 * - entries: pkg/query/endpointset.go `EndpointStatus`, lines 109–117 of the newest version stored (the one with
 *   `WaitForFirstUpdate`); a v0.3x version stored has the same struct (the v0.39.2 tag itself was not readable):
 *   `name` (the endpoint address), `lastCheck` (time.Time, RFC 3339 with nanoseconds), `lastError` (`*stringError`,
 *   marshalled as its message, or null), `labelSets` (`[]labels.Labels`, each a JSON object), `minTime`, `maxTime`
 *   (int64 epoch ms; a sidecar's maxTime is math.MaxInt64).
 * - names: `dnssrv+` discovery (this stack's, lib/k8s/thanos-query.ts) names an endpoint `IP:port`; `dnssrvnoa+`
 *   keeps the SRV target, the pod's DNS name (pkg/discovery/dns/resolver.go `dnsSD.Resolve`).
 */
import type { StoreListAnswer, StoresByComponent } from '../../../../lambdas/domain/capacity/history-coverage';

export const STORES_NOW = new Date('2026-11-23T06:00:00Z');

/** JSON cannot carry Go's int64 extremes through JS numbers: placeholders swapped for the literal digits. */
const MAX_INT64 = '<math.MaxInt64>';

const EXTERNAL_LABELS = { cluster: 'greenlang-prod', prometheus: 'monitoring/greenlang', region: 'eu-west-1' };

/** A sidecar: Prometheus' local blocks (7 days) up to now. */
export const sidecar = (replica: number) => ({
  name: `10.0.12.${30 + replica}:10901`,
  lastCheck: '2026-11-23T05:59:57.412301784Z',
  lastError: null,
  labelSets: [{ ...EXTERNAL_LABELS, prometheus_replica: `prometheus-greenlang-${replica}` }],
  minTime: 1794812400000, // 2026-11-16T07:00:00Z
  maxTime: MAX_INT64,
});

/** The Thanos Ruler: its own recent blocks. */
export const ruler = {
  name: '10.0.14.8:10901',
  lastCheck: '2026-11-23T05:59:57.398112650Z',
  lastError: null,
  labelSets: [{ cluster: 'greenlang-prod', region: 'eu-west-1', thanos_ruler_replica: 'thanos-ruler-greenlang-0' }],
  minTime: 1795248000000, // 2026-11-21T08:00:00Z
  maxTime: MAX_INT64,
};

/**
 * A store gateway: the external labels of the blocks it holds (every shard holds blocks of both Prometheus
 * replicas), from its oldest block's start to its newest block's end.
 */
export function storeGateway(
  name: string,
  options: { readonly lastError?: string; readonly minTime?: number } = {},
): Record<string, unknown> {
  return {
    name,
    lastCheck: '2026-11-23T05:59:57.430981222Z',
    lastError: options.lastError ?? null,
    labelSets: [
      { ...EXTERNAL_LABELS, prometheus_replica: 'prometheus-greenlang-0' },
      { ...EXTERNAL_LABELS, prometheus_replica: 'prometheus-greenlang-1' },
    ],
    minTime: options.minTime ?? 1777852800000, // 2026-05-04T00:00:00Z
    maxTime: 1795402800000, // 2026-11-23T03:00:00Z
  };
}

/** A store gateway pod's name as `dnssrvnoa+` gives it (StatefulSet pod, headless Service `thanos-store`). */
export const podName = (pod: string) => `${pod}.thanos-store.monitoring.svc.cluster.local.:10901`;

/** What Query keeps as lastError when a listed endpoint's Info call fails (gRPC status text). */
export const CONNECTION_REFUSED =
  'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.0.21.9:10901: connect: connection refused"';

const sortedKeys = <T>(o: Record<string, T>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/**
 * The body Thanos Query writes for `data` (component type → endpoints): Go's encoding/json writes map keys sorted,
 * the component types and each label set alike.
 */
export function thanosStoresBody(data: Record<string, readonly Record<string, unknown>[]>): string {
  const entries = (list: readonly Record<string, unknown>[]) =>
    list.map((e) => ({ ...e, labelSets: (e.labelSets as Record<string, string>[]).map(sortedKeys) }));
  const body = {
    status: 'success',
    data: sortedKeys(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, entries(v)]))),
  };
  return `${JSON.stringify(body).replaceAll(`"${MAX_INT64}"`, '9223372036854775807')}\n`;
}

/** The store list as the adapter hands it to the domain: the parsed `data` of {@link thanosStoresBody}. */
export function listed(data: Record<string, readonly Record<string, unknown>[]>): StoreListAnswer {
  return { kind: 'listed', stores: (JSON.parse(thanosStoresBody(data)) as { data: StoresByComponent }).data };
}

/** The usual neighbours of the store gateways in the list: two sidecars and the Ruler. */
export const OTHERS = { sidecar: [sidecar(0), sidecar(1)], rule: [ruler] };
