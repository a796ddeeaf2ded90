import { parse } from 'yaml';
import { GRAFANA_DASHBOARDS_DIR } from '../../../lib/k8s/grafana-dashboards';
import { container, find, type Json, objectsFor } from './support';

describe.each(['dev', 'prod'] as const)('Grafana objects (%s)', (env) => {
  const { objects } = objectsFor(env);
  const configMap = find(objects, 'ConfigMap', 'grafana-config');
  const podSpec = find(objects, 'Deployment', 'grafana').spec.template.spec;
  const mounts: Json[] = container(podSpec, 'grafana').volumeMounts;
  const mountOf = (name: string) => mounts.find((m) => m.name === name);

  it('reaches the query-frontend inside the cluster (plain HTTP: the documented TLS deviation), as the default', () => {
    const [datasource] = parse(configMap.data['datasources.yaml']).datasources;
    expect(datasource).toMatchObject({
      url: 'http://thanos-query-frontend.monitoring.svc.cluster.local:9090',
      isDefault: true,
      jsonData: { prometheusType: 'Thanos' },
    });
    // No certificate material is referenced that nothing would serve against.
    expect(datasource.secureJsonData).toBeUndefined();
    expect(mountOf('thanos-tls')).toBeUndefined();
  });

  it('provisions the dashboards from the folder the ConfigMaps are mounted in, read-only in the UI', () => {
    const provider = parse(configMap.data['dashboards.yaml']).providers[0];
    expect(provider).toMatchObject({ type: 'file', allowUiUpdates: false, options: { path: GRAFANA_DASHBOARDS_DIR } });
    expect(mountOf('dashboards')).toEqual({ name: 'dashboards', mountPath: GRAFANA_DASHBOARDS_DIR, readOnly: true });
    expect(mounts.filter((m) => m.subPath === 'dashboards.yaml').map((m) => m.mountPath)).toEqual([
      '/etc/grafana/provisioning/dashboards/dashboards.yaml',
    ]);
  });

  it('keeps the ClusterIP service for scraping and out of the NLB exclusion', () => {
    const service = find(objects, 'Service', 'grafana');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.sessionAffinity).toBeUndefined();
    expect(find(objects, 'Service', 'grafana-lb').metadata.labels['greenlang.io/exposure']).toBe('internal-nlb');
  });
});
