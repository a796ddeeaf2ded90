import { parse } from 'yaml';
import { GRAFANA_DASHBOARDS_DIR } from '../../../lib/k8s/grafana-dashboards';
import { THANOS_CA_ISSUER } from '../../../lib/k8s/thanos-tls';
import { container, find, type Json, objectsFor } from './support';

describe.each(['dev', 'prod'] as const)('Grafana objects (%s)', (env) => {
  const { objects } = objectsFor(env);
  const configMap = find(objects, 'ConfigMap', 'grafana-config');
  const podSpec = find(objects, 'Deployment', 'grafana').spec.template.spec;
  const mounts: Json[] = container(podSpec, 'grafana').volumeMounts;
  const mountOf = (name: string) => mounts.find((m) => m.name === name);

  it('reaches the query-frontend over HTTPS, trusting the Thanos CA, with a client certificate from it', () => {
    const [datasource] = parse(configMap.data['datasources.yaml']).datasources;
    expect(datasource.url).toBe('https://thanos-query-frontend.monitoring.svc.cluster.local:9090');
    expect(datasource.jsonData).toMatchObject({ tlsAuth: true, tlsAuthWithCACert: true, prometheusType: 'Thanos' });
    const files = Object.values(datasource.secureJsonData as Record<string, string>).map(
      (v) => /^\$__file\{(.+)\}$/.exec(v)?.[1],
    );
    const tlsMount = mountOf('thanos-tls');
    expect(files.map((f) => f?.replace(`${tlsMount?.mountPath}/`, ''))).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(podSpec.volumes).toContainEqual({ name: 'thanos-tls', secret: { secretName: 'grafana-thanos-tls' } });
    const certificate = find(objects, 'Certificate', 'grafana-thanos-tls');
    expect(certificate.spec.issuerRef).toEqual({ name: THANOS_CA_ISSUER, kind: 'Issuer', group: 'cert-manager.io' });
    expect(certificate.spec.usages).toContain('client auth');
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
