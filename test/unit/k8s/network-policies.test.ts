import { allowMonitoringScrapePolicy } from '../../../lib/k8s/network-policies';
import { find, type Json, objectsFor, podLabelSets } from './support';

const { config, objects } = objectsFor('prod');
const ingress = (name: string) => find(objects, 'NetworkPolicy', name).spec.ingress as Json[];

describe('network policies', () => {
  it('lets Thanos components (part-of: thanos) reach each other on 10901', () => {
    const policy = find(objects, 'NetworkPolicy', 'thanos-grpc');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'thanos' } });
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'thanos' } } }],
        ports: [{ port: 10901, protocol: 'TCP' }],
      },
    ]);
  });

  it('puts every StoreAPI server and client in that mesh (sidecar pods, query, store, ruler)', () => {
    const partOfThanos = new Set(
      podLabelSets(objects)
        .filter((p) => p.labels['app.kubernetes.io/part-of'] === 'thanos')
        .map((p) => p.owner),
    );
    for (const owner of [
      'Prometheus/greenlang',
      'ThanosRuler/greenlang',
      'Deployment/thanos-query',
      'StatefulSet/thanos-store',
    ]) {
      expect(partOfThanos.has(owner) ? owner : `${owner} missing`).toBe(owner);
    }
  });

  it('lets only the monitoring namespace reach Prometheus and Alertmanager HTTP', () => {
    const fromMonitoring = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    expect(ingress('prometheus')[0]).toEqual({
      from: [fromMonitoring],
      ports: [
        { port: 9090, protocol: 'TCP' },
        { port: 10902, protocol: 'TCP' },
      ],
    });
    expect(ingress('alertmanager')[0]).toEqual({ from: [fromMonitoring], ports: [{ port: 9093, protocol: 'TCP' }] });
    // The namespace label the policies rely on is the one Kubernetes sets automatically.
    expect(find(objects, 'Namespace', 'monitoring').metadata.labels['kubernetes.io/metadata.name']).toBe('monitoring');
  });

  it('lets the VPC (the internal NLBs, the ingestion function) reach the Pushgateways and the query-frontend', () => {
    for (const name of ['pushgateway', 'thanos-query-frontend']) {
      expect(ingress(name)[0]?.from).toContainEqual({ ipBlock: { cidr: config.vpcCidr } });
    }
    expect(ingress('pushgateway')[0]?.ports).toEqual([{ port: 9091, protocol: 'TCP' }]);
  });

  it('offers application namespaces a template opening the metrics port to the monitoring namespace', () => {
    const policy = allowMonitoringScrapePolicy('greenlang');
    expect(policy.metadata.namespace).toBe('greenlang');
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      },
    ]);
    expect(allowMonitoringScrapePolicy('data', 9187).spec.ingress[0]?.ports).toEqual([{ port: 9187, protocol: 'TCP' }]);
  });
});
