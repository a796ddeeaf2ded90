import { parse } from 'yaml';
import { helmReleases } from '../../../lib/k8s';
import { THANOS_CA_ISSUER } from '../../../lib/k8s/thanos-tls';
import { container, ENVIRONMENTS, find, flagValues, type Json, objectsFor } from './support';

/**
 * TLS on the HTTP paths (docs/deploy.md, "TLS: where it is"): every HTTPS server serves a certificate from the
 * in-cluster CA, and every client of it dials https and verifies that CA and a name the certificate carries.
 */
const { config, objects } = objectsFor('prod');
const certificateFor = (secretName: string): Json =>
  objects.find((o: Json) => o.kind === 'Certificate' && o.spec.secretName === secretName) ??
  (() => {
    throw new Error(`no Certificate writes secret ${secretName}`);
  })();
const secretOfVolume = (podSpec: Json, mountPath: string, containerName: string): string => {
  const mount = container(podSpec, containerName).volumeMounts.find((m: Json) => m.mountPath === mountPath);
  if (!mount) throw new Error(`${containerName} mounts nothing at ${mountPath}`);
  return podSpec.volumes.find((v: Json) => v.name === mount.name).secret.secretName;
};
/** The values of the Helm release of `chart`; fails loudly when there is none. */
const releaseValues = (chart: string): Json => {
  const release = helmReleases(config).find((r) => r.chart === chart);
  if (!release) throw new Error(`no Helm release of chart ${chart}`);
  return release.values;
};
const httpConfigMap = find(objects, 'ConfigMap', 'thanos-http-config');
const webConfig = parse(httpConfigMap.data['http-config.yaml']);

describe('the Thanos HTTP web config (--http.config)', () => {
  it('serves TLS with the certificate and key of the component, from the files its TLS secret is mounted as, over HTTP/1.1', () => {
    expect(webConfig).toEqual({
      tls_server_config: {
        cert_file: '/etc/thanos/grpc-tls/tls.crt',
        key_file: '/etc/thanos/grpc-tls/tls.key',
        min_version: 'TLS12',
      },
      // Connections, not requests, are balanced (thanos-http-tls.ts; the real server: test/integration/k8s/web-tls).
      http_server_config: { http2: false },
    });
  });

  it('every component certificate names thanos-http.monitoring.svc, the name every HTTPS client verifies', () => {
    for (const component of ['sidecar', 'query', 'store', 'ruler']) {
      const cert = find(objects, 'Certificate', `thanos-${component}-grpc-tls`);
      expect(cert.spec.dnsNames).toContain('thanos-http.monitoring.svc');
      expect(cert.spec.usages).toContain('server auth');
      expect(cert.spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
    }
  });

  it.each([
    ['Deployment', 'thanos-query', 'query', 'thanos-query-grpc-tls'],
    ['StatefulSet', 'thanos-store', 'store', 'thanos-store-grpc-tls'],
  ])(
    '%s %s serves HTTPS: --http.config, the config and its own certificate mounted, HTTPS probes',
    (kind, name, c, secret) => {
      const podSpec = find(objects, kind, name).spec.template.spec;
      const main = container(podSpec, c);
      expect(flagValues(main.args, '--http.config')).toEqual(['/etc/thanos/http/http-config.yaml']);
      const configMount = main.volumeMounts.find((m: Json) => m.mountPath === '/etc/thanos/http');
      expect(podSpec.volumes.find((v: Json) => v.name === configMount.name).configMap).toEqual({
        name: 'thanos-http-config',
      });
      // The files the web config names come from the component's own certificate.
      expect(secretOfVolume(podSpec, '/etc/thanos/grpc-tls', c)).toBe(secret);
      expect(main.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http', scheme: 'HTTPS' });
      expect(main.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http', scheme: 'HTTPS' });
    },
  );

  it('the sidecar serves HTTPS too: --http.config through the operator, config and certificate in its container', () => {
    const spec = find(objects, 'Prometheus', 'greenlang').spec;
    expect(spec.thanos.additionalArgs).toEqual([{ name: 'http.config', value: '/etc/thanos/http/http-config.yaml' }]);
    const sidecar = spec.containers.find((c: Json) => c.name === 'thanos-sidecar');
    const byPath = Object.fromEntries(sidecar.volumeMounts.map((m: Json) => [m.mountPath, m.name]));
    const volume = (path: string) => spec.volumes.find((v: Json) => v.name === byPath[path]);
    expect(volume('/etc/thanos/http').configMap).toEqual({ name: 'thanos-http-config' });
    expect(volume('/etc/thanos/grpc-tls').secret).toEqual({ secretName: 'thanos-sidecar-grpc-tls' });
  });

  it('the compactor listens on loopback only (nothing connects to it) and declares no port', () => {
    const podSpec = find(objects, 'CronJob', 'thanos-compactor').spec.jobTemplate.spec.template.spec;
    const compactor = container(podSpec, 'compactor');
    expect(compactor.command[2]).toContain("'--http-address=127.0.0.1:10902'");
    expect(compactor.command[2]).not.toContain('0.0.0.0');
    expect(compactor.ports).toBeUndefined();
  });
});

describe('clients of Thanos Query over HTTPS', () => {
  const queryCert = find(objects, 'Certificate', 'thanos-query-grpc-tls');

  it('the query-frontend dials https and verifies with only the CA mounted, as a name on Query’s certificate', () => {
    const podSpec = find(objects, 'Deployment', 'thanos-query-frontend').spec.template.spec;
    const frontend = container(podSpec, 'query-frontend');
    expect(flagValues(frontend.args, '--query-frontend.downstream-url')).toEqual([
      'https://thanos-query.monitoring.svc.cluster.local:9090',
    ]);
    const [tripper] = flagValues(frontend.args, '--query-frontend.downstream-tripper-config').map((v) => parse(v));
    expect(tripper.tls_config).toEqual({
      ca_file: '/etc/thanos/ca/ca.crt',
      server_name: 'thanos-http.monitoring.svc',
    });
    expect(queryCert.spec.dnsNames).toContain(tripper.tls_config.server_name);
    const caMount = frontend.volumeMounts.find((m: Json) => tripper.tls_config.ca_file.startsWith(`${m.mountPath}/`));
    // Only ca.crt is projected: the frontend holds no key of the mesh.
    expect(podSpec.volumes.find((v: Json) => v.name === caMount.name).secret).toEqual({
      secretName: 'thanos-query-grpc-tls',
      items: [{ key: 'ca.crt', path: 'ca.crt' }],
    });
    // The frontend's own certificate is not a mesh certificate: no client auth, and no Thanos gRPC secret mounted.
    expect(podSpec.volumes.map((v: Json) => v.secret?.secretName).filter(Boolean)).toEqual([
      'thanos-query-grpc-tls',
      'thanos-query-frontend-web-tls',
    ]);
  });

  it('the Ruler queries through queryConfig over https, verifying with the CA of its mounted TLS secret', () => {
    const ruler = find(objects, 'ThanosRuler', 'greenlang').spec;
    expect(ruler.queryEndpoints).toBeUndefined();
    expect(ruler.queryConfig).toEqual({ name: 'thanos-ruler-query', key: 'query.yaml' });
    const queryConfig = parse(find(objects, 'Secret', 'thanos-ruler-query').stringData['query.yaml']);
    expect(queryConfig).toEqual([
      {
        scheme: 'https',
        static_configs: ['dnssrv+_http._tcp.thanos-query.monitoring.svc.cluster.local'],
        http_config: {
          tls_config: { ca_file: '/etc/thanos/grpc-tls/ca.crt', server_name: 'thanos-http.monitoring.svc' },
        },
      },
    ]);
    expect(ruler.volumeMounts).toContainEqual({
      name: 'thanos-grpc-tls',
      mountPath: '/etc/thanos/grpc-tls',
      readOnly: true,
    });
    expect(ruler.volumes).toContainEqual({ name: 'thanos-grpc-tls', secret: { secretName: 'thanos-ruler-grpc-tls' } });
    expect(queryCert.spec.dnsNames).toContain(queryConfig[0].http_config.tls_config.server_name);
  });
});

describe('the query-frontend serves HTTPS (--http.config) with its own certificate', () => {
  const podSpec = find(objects, 'Deployment', 'thanos-query-frontend').spec.template.spec;
  const frontend = container(podSpec, 'query-frontend');
  const cert = certificateFor('thanos-query-frontend-web-tls');

  it('--http.config names a web config whose files are the mounted certificate secret', () => {
    const [configFile] = flagValues(frontend.args, '--http.config');
    expect(configFile).toBe('/etc/thanos/http/http-config.yaml');
    const configMount = frontend.volumeMounts.find((m: Json) => configFile?.startsWith(`${m.mountPath}/`));
    const configMapName = podSpec.volumes.find((v: Json) => v.name === configMount.name).configMap.name;
    // Its own ConfigMap: the shared thanos-http-config points at the gRPC certificate, which it does not hold.
    expect(configMapName).toBe('thanos-query-frontend-http-config');
    const config = parse(find(objects, 'ConfigMap', configMapName).data['http-config.yaml']);
    expect(config.tls_server_config.min_version).toBe('TLS12');
    for (const file of [config.tls_server_config.cert_file, config.tls_server_config.key_file]) {
      expect(secretOfVolume(podSpec, file.slice(0, file.lastIndexOf('/')), 'query-frontend')).toBe(
        'thanos-query-frontend-web-tls',
      );
    }
  });

  it('the certificate: server auth only, from the CA issuer, naming the Service as clients dial and verify it', () => {
    expect(cert.spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
    expect(cert.spec.usages).toContain('server auth');
    expect(cert.spec.usages).not.toContain('client auth');
    expect(cert.spec.dnsNames).toEqual([
      'thanos-query-frontend.monitoring.svc',
      'thanos-query-frontend.monitoring.svc.cluster.local',
    ]);
  });

  it('probes HTTPS', () => {
    expect(frontend.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http', scheme: 'HTTPS' });
    expect(frontend.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http', scheme: 'HTTPS' });
  });

  it('its internal NLB has a TLS listener and an HTTPS target: backend ssl, HTTPS health check on /-/ready', () => {
    const nlb = find(objects, 'Service', 'thanos-query-internal');
    expect(nlb.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'ssl',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'HTTPS',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port': 'traffic-port',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/-/ready',
    });
    // The health check path is the one the frontend answers ready on.
    expect(nlb.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-healthcheck-path']).toBe(
      frontend.readinessProbe.httpGet.path,
    );
    // The listener: TLS on the port named in ssl-ports (the certificate: test/infra/query-nlb-tls.test.ts).
    expect(nlb.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-ssl-ports']).toBe('https');
    expect(nlb.spec.ports).toEqual([{ name: 'https', port: 9090, targetPort: 'http', protocol: 'TCP' }]);
  });
});

describe('node-exporter serves HTTPS through its chart values', () => {
  const values = releaseValues('prometheus-node-exporter');
  const cert = certificateFor('node-exporter-web-tls');

  it('--web.config.file names the mounted web config, whose files are the mounted certificate secret', () => {
    const [configFile = ''] = flagValues(values.extraArgs, '--web.config.file');
    const configMount = values.configmaps.find((m: Json) => configFile.startsWith(`${m.mountPath}/`));
    const config = parse(
      find(objects, 'ConfigMap', configMount.name).data[configFile.slice(configMount.mountPath.length + 1)],
    );
    const secretMount = values.secrets.find((m: Json) => config.tls_server_config.cert_file.startsWith(m.mountPath));
    expect(secretMount.name).toBe('node-exporter-web-tls');
    expect(config.tls_server_config.key_file.startsWith(`${secretMount.mountPath}/`)).toBe(true);
  });

  it('probes HTTPS and the certificate comes from the CA issuer', () => {
    expect(values.livenessProbe.httpGet.scheme).toBe('https');
    expect(values.readinessProbe.httpGet.scheme).toBe('https');
    expect(cert.spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
    expect(cert.spec.usages).toContain('server auth');
  });
});

describe('kube-state-metrics serves HTTPS through its chart values (--tls-config)', () => {
  const values = releaseValues('kube-state-metrics');

  it('--tls-config names the mounted web config, whose files are the mounted certificate secret', () => {
    const [configFile = ''] = flagValues(values.extraArgs, '--tls-config');
    const mountOf = (file: string) => values.volumeMounts.find((m: Json) => file.startsWith(`${m.mountPath}/`));
    const volumeOf = (file: string) => values.volumes.find((v: Json) => v.name === mountOf(file).name);
    const configMap = volumeOf(configFile).configMap.name;
    const config = parse(
      find(objects, 'ConfigMap', configMap).data[configFile.slice(mountOf(configFile).mountPath.length + 1)],
    );
    for (const file of [config.tls_server_config.cert_file, config.tls_server_config.key_file]) {
      expect(volumeOf(file).secret.secretName).toBe('kube-state-metrics-web-tls');
    }
    expect(config.tls_server_config.min_version).toBe('TLS12');
  });

  it('probes HTTPS (both of its listeners serve TLS) and the certificate comes from the CA issuer', () => {
    expect(values.livenessProbe.httpGet.scheme).toBe('https');
    expect(values.readinessProbe.httpGet.scheme).toBe('https');
    const cert = certificateFor('kube-state-metrics-web-tls');
    expect(cert.spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
    expect(cert.spec.dnsNames).toEqual(['kube-state-metrics.monitoring.svc']);
  });
});

describe('Grafana serves HTTPS in the pod, and its load balancer re-encrypts to it', () => {
  const podSpec = find(objects, 'Deployment', 'grafana').spec.template.spec;
  const grafana = container(podSpec, 'grafana');
  const ini = find(objects, 'ConfigMap', 'grafana-config').data['grafana.ini'] as string;
  const server = Object.fromEntries(
    (ini.split('[server]')[1]?.split('\n[')[0] ?? '')
      .split('\n')
      .filter((l) => l.includes(' = '))
      .map((l) => l.split(' = ') as [string, string]),
  );

  it('grafana.ini [server]: protocol https with the mounted certificate, re-read hourly', () => {
    expect(server.protocol).toBe('https');
    expect(server.certs_watch_interval).toBe('1h');
    for (const file of [server.cert_file ?? '', server.cert_key ?? '']) {
      expect(secretOfVolume(podSpec, file.slice(0, file.lastIndexOf('/')), 'grafana')).toBe('grafana-web-tls');
    }
    const cert = certificateFor('grafana-web-tls');
    expect(cert.spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
    // The scrape's name, and localhost for kubectl port-forward.
    expect(cert.spec.dnsNames).toEqual(expect.arrayContaining(['grafana.monitoring.svc', 'localhost']));
  });

  it('probes HTTPS on the https port', () => {
    expect(grafana.ports).toEqual([{ name: 'https', containerPort: 3000, protocol: 'TCP' }]);
    expect(grafana.readinessProbe.httpGet).toEqual({ path: '/api/health', port: 'https', scheme: 'HTTPS' });
    expect(grafana.livenessProbe.httpGet).toEqual({ path: '/api/health', port: 'https', scheme: 'HTTPS' });
  });

  it('its NLB keeps the TLS listener and re-encrypts (backend ssl), health-checking /api/health over HTTPS', () => {
    const lb = find(objects, 'Service', 'grafana-lb');
    expect(lb.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'https',
      'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'ssl',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'HTTPS',
      'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': grafana.readinessProbe.httpGet.path,
    });
    expect(lb.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-ssl-cert']).toMatch(/^arn:aws:acm:/);
    expect(lb.spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
  });
});

describe('the Ruler web TLS (operator web.tlsConfig)', () => {
  it('serves 10902 with a certificate from the CA issuer naming thanos-http and localhost (config reloader)', () => {
    const ruler = find(objects, 'ThanosRuler', 'greenlang').spec;
    expect(ruler.web).toEqual({
      tlsConfig: {
        cert: { secret: { name: 'thanos-ruler-web-tls', key: 'tls.crt' } },
        keySecret: { name: 'thanos-ruler-web-tls', key: 'tls.key' },
      },
    });
    const cert = certificateFor('thanos-ruler-web-tls');
    expect(cert.spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
    expect(cert.spec.dnsNames).toEqual(
      expect.arrayContaining(['thanos-http.monitoring.svc', 'thanos-ruler-operated.monitoring.svc', 'localhost']),
    );
    expect(cert.spec.ipAddresses).toEqual(['127.0.0.1']);
  });
});

describe('Prometheus web TLS (operator web.tlsConfig)', () => {
  const prometheus = find(objects, 'Prometheus', 'greenlang').spec;
  const cert = certificateFor('prometheus-web-tls');

  it('serves 9090 with a certificate from the CA issuer', () => {
    expect(prometheus.web).toEqual({
      tlsConfig: {
        cert: { secret: { name: 'prometheus-web-tls', key: 'tls.crt' } },
        keySecret: { name: 'prometheus-web-tls', key: 'tls.key' },
      },
    });
    expect(cert.spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
    expect(cert.spec.usages).toContain('server auth');
    // In-pod clients the operator points at https://localhost:9090 (config reloader, Thanos sidecar).
    expect(cert.spec.dnsNames).toContain('localhost');
    expect(cert.spec.ipAddresses).toEqual(['127.0.0.1']);
  });

  it('prometheus-adapter dials https and verifies the host of its URL with the CA (only ca.crt mounted)', () => {
    const adapter = helmReleases(config).find((r) => r.chart === 'prometheus-adapter');
    const values = adapter?.values as Json;
    // The chart's --prometheus-url is url + ":" + port + path.
    const url = new URL(`${values.prometheus.url}:${values.prometheus.port}${values.prometheus.path}`);
    expect(url.protocol).toBe('https:');
    expect(cert.spec.dnsNames).toContain(url.hostname);
    const caFile = flagValues(values.extraArguments, '--prometheus-ca-file')[0] ?? '';
    expect(caFile).not.toBe('');
    const mount = values.extraVolumeMounts.find((m: Json) => caFile.startsWith(`${m.mountPath}/`));
    expect(values.extraVolumes.find((v: Json) => v.name === mount.name).secret).toEqual({
      secretName: 'prometheus-web-tls',
      items: [{ key: 'ca.crt', path: caFile.slice(mount.mountPath.length + 1) }],
    });
  });
});

describe('every scrape of an HTTPS port verifies it', () => {
  // Monitor → the secret its target serves HTTPS with (read from the workload, not restated).
  const prometheusSpec = find(objects, 'Prometheus', 'greenlang').spec;
  const servingSecret: Record<string, string> = {
    prometheus: prometheusSpec.web.tlsConfig.cert.secret.name,
    'thanos-sidecar': prometheusSpec.volumes.find((v: Json) => v.name === 'thanos-grpc-tls').secret.secretName,
    'thanos-ruler': find(objects, 'ThanosRuler', 'greenlang').spec.web.tlsConfig.cert.secret.name,
    alertmanager: find(objects, 'Alertmanager', 'greenlang').spec.web.tlsConfig.cert.secret.name,
    'thanos-query': secretOfVolume(
      find(objects, 'Deployment', 'thanos-query').spec.template.spec,
      '/etc/thanos/grpc-tls',
      'query',
    ),
    'thanos-store': secretOfVolume(
      find(objects, 'StatefulSet', 'thanos-store').spec.template.spec,
      '/etc/thanos/grpc-tls',
      'store',
    ),
    'thanos-query-frontend': secretOfVolume(
      find(objects, 'Deployment', 'thanos-query-frontend').spec.template.spec,
      '/etc/thanos/web-tls',
      'query-frontend',
    ),
    // node-exporter: the chart mounts the secret named in values.secrets.
    'node-exporter': 'node-exporter-web-tls',
    // kube-state-metrics: the secret of the chart's values.volumes.
    'kube-state-metrics': releaseValues('kube-state-metrics').volumes.find((v: Json) => v.secret).secret.secretName,
    grafana: secretOfVolume(
      find(objects, 'Deployment', 'grafana').spec.template.spec,
      '/etc/grafana/web-tls',
      'grafana',
    ),
  };

  it.each(Object.keys(servingSecret))(
    '%s: scheme https, the CA issuer’s CA, a server name its certificate carries',
    (name) => {
      const monitor = objects.find(
        (o: Json) => (o.kind === 'PodMonitor' || o.kind === 'ServiceMonitor') && o.metadata.name === name,
      ) as Json;
      const [endpoint] = monitor.spec.podMetricsEndpoints ?? monitor.spec.endpoints;
      expect(endpoint.scheme).toBe('https');
      const caSecret = endpoint.tlsConfig.ca.secret;
      expect(caSecret.key).toBe('ca.crt');
      expect(certificateFor(caSecret.name).spec.issuerRef.name).toBe(THANOS_CA_ISSUER);
      expect(certificateFor(servingSecret[name] as string).spec.dnsNames).toContain(endpoint.tlsConfig.serverName);
      expect(endpoint.tlsConfig.insecureSkipVerify).toBeUndefined();
    },
  );

  it('the plain-HTTP scrapes in the monitoring namespace are exactly the documented deviations (docs/deploy.md)', () => {
    const plain = objects
      .filter(
        (o: Json) => (o.kind === 'PodMonitor' || o.kind === 'ServiceMonitor') && o.metadata.namespace === 'monitoring',
      )
      .filter((o: Json) => (o.spec.podMetricsEndpoints ?? o.spec.endpoints)[0].scheme !== 'https')
      .filter((o: Json) => o.spec.namespaceSelector.matchNames?.includes('monitoring'))
      .map((o) => o.metadata.name)
      .sort();
    // The Pushgateway pods stay plain HTTP (the NLB TLS change terminates TLS at their load balancers).
    expect(plain).toEqual(['pushgateway']);
  });
});

describe('no client is left on plain HTTP to a server that now serves HTTPS', () => {
  it.each(ENVIRONMENTS)('%s: no http:// URL to Prometheus, Query, its frontend, Store, Ruler or a sidecar', (env) => {
    const { config: c, objects: all } = objectsFor(env);
    const text = JSON.stringify([all, helmReleases(c)]);
    for (const host of [
      'prometheus-operated',
      'thanos-query.',
      'thanos-query-frontend',
      'thanos-store',
      'thanos-ruler-operated',
    ]) {
      expect(text).not.toContain(`http://${host}`);
    }
    // Every scrape of the stack's own components is HTTPS, except the Pushgateway pods' (in every environment).
    const plainScrapes = all
      .filter((o: Json) => o.kind === 'PodMonitor' || o.kind === 'ServiceMonitor')
      .filter((o: Json) => (o as Json).spec.namespaceSelector.matchNames?.includes('monitoring'))
      .filter((o: Json) => ((o as Json).spec.podMetricsEndpoints ?? (o as Json).spec.endpoints)[0].scheme !== 'https')
      .map((o) => o.metadata.name);
    expect(plainScrapes).toEqual(['pushgateway']);
    // The Ruler's query endpoints (DNS SRV on Query's http port) only through the HTTPS queryConfig.
    const ruler = all.find((o) => o.kind === 'ThanosRuler') as Json;
    expect(ruler.spec.queryEndpoints).toBeUndefined();
  });
});
