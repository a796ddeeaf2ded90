import { parse } from 'yaml';
import { GRAFANA_DASHBOARDS_DIR } from '../../../lib/k8s/grafana-dashboards';
import { container, find, type Json, objectsFor } from './support';

describe.each(['dev', 'prod'] as const)('Grafana objects (%s)', (env) => {
  const { objects } = objectsFor(env);
  const configMap = find(objects, 'ConfigMap', 'grafana-config');
  const podSpec = find(objects, 'Deployment', 'grafana').spec.template.spec;
  const mounts: Json[] = container(podSpec, 'grafana').volumeMounts;
  const mountOf = (name: string) => mounts.find((m) => m.name === name);

  it('reaches the query-frontend over HTTPS as the default, verifying the URL host with the in-cluster CA', () => {
    const [datasource] = parse(configMap.data['datasources.yaml']).datasources;
    expect(datasource).toMatchObject({
      url: 'https://thanos-query-frontend.monitoring.svc.cluster.local:9090',
      isDefault: true,
      jsonData: { prometheusType: 'Thanos', tlsAuthWithCACert: true },
    });
    // Verification stays on; no client certificate and no serverName override (the URL host is verified).
    expect(datasource.jsonData.tlsSkipVerify).toBeUndefined();
    expect(datasource.jsonData.tlsAuth).toBeUndefined();
    expect(datasource.jsonData.serverName).toBeUndefined();
    // The CA is read from the mounted file by provisioning ($__file{}), never inlined into the ConfigMap.
    const caFile = /^\$__file\{(.+)\}$/.exec(datasource.secureJsonData.tlsCACert)?.[1] ?? '';
    expect(Object.keys(datasource.secureJsonData)).toEqual(['tlsCACert']);
    const mount = mounts.find((m) => caFile.startsWith(`${m.mountPath}/`));
    expect(mount.readOnly).toBe(true);
    // Only ca.crt of the frontend's certificate secret: Grafana holds no key.
    expect(podSpec.volumes.find((v: Json) => v.name === mount.name).secret).toEqual({
      secretName: 'thanos-query-frontend-web-tls',
      items: [{ key: 'ca.crt', path: caFile.slice(mount.mountPath.length + 1) }],
    });
    // The certificate serving the frontend names the host Grafana dials, and comes from the CA issuer.
    const cert = find(objects, 'Certificate', 'thanos-query-frontend-web-tls');
    expect(cert.spec.dnsNames).toContain(new URL(datasource.url).hostname);
    expect(cert.spec.issuerRef).toEqual({ name: 'thanos-grpc-ca', kind: 'Issuer', group: 'cert-manager.io' });
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
