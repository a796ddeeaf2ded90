import { parse } from 'yaml';
import { makeUlid, ulidRandomness } from '../../../lambdas/domain/audit/ulid';
import { compactorRetentionArgs } from '../../../lambdas/domain/retention';
import { sizingProblems } from '../../../lambdas/domain/sizing';
import { loadEnvironmentConfig } from '../../../lib/config';
import { type HelmRelease, helmReleases, kubernetesObjects } from '../../../lib/k8s';
import { renderPushgatewayCertificateArn } from '../../../lib/k8s/pushgateway';
import {
  PUSHGATEWAY_AUTH_DIR,
  PUSHGATEWAY_AUTH_KEYS,
  PUSHGATEWAY_AUTH_SECRET,
} from '../../../lib/k8s/pushgateway-auth';
import { thanosCompactArgs } from '../../../lib/k8s/thanos-compactor';
import { IMAGES } from '../../../lib/k8s/versions';
import { COMPACTOR_POD_LABELS, pushgatewayReplicaUrl, secretName, thanosQueryUrl } from '../../../lib/naming';
import { hashmod } from '../../support/prometheus-hashmod';
import { container, find, flagValues, type Json, objectsFor, podLabelSets } from './support';

/** The seed's numbers (docs/architecture.md "Vertical Scaling", "Components"), for prod. */
const { config, objects } = objectsFor('prod');
const podSpecOf = (o: Json) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);
const resources = (cpuReq: string, memReq: string, cpuLim: string, memLim: string) => ({
  requests: { cpu: cpuReq, memory: memReq },
  limits: { cpu: cpuLim, memory: memLim },
});
const requiredHostnameAntiAffinity = (affinity: Json) =>
  affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.map((t: Json) => t.topologyKey);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('Prometheus', () => {
  const prometheus = find(objects, 'Prometheus', 'greenlang');

  it('runs 2 replicas, scrapes and evaluates every 15s, keeps 7d / 50GB locally', () => {
    expect(prometheus.spec).toMatchObject({
      replicas: 2,
      scrapeInterval: '15s',
      evaluationInterval: '15s',
      retention: '7d',
      retentionSize: '50GB',
    });
  });

  it('labels its data with cluster and region (the replica label is added per pod by the operator)', () => {
    expect(prometheus.spec.externalLabels).toEqual({ cluster: 'greenlang-prod', region: 'eu-west-1' });
    expect(prometheus.spec.replicaExternalLabelName).toBe('prometheus_replica');
  });

  it('gets the seed resources, a 100Gi gp3 volume and REQUIRED anti-affinity on the node', () => {
    expect(prometheus.spec.resources).toEqual(resources('500m', '2Gi', '2000m', '8Gi'));
    expect(prometheus.spec.storage.volumeClaimTemplate.spec).toEqual({
      storageClassName: 'gp3',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '100Gi' } },
    });
    expect(requiredHostnameAntiAffinity(prometheus.spec.affinity)).toEqual(['kubernetes.io/hostname']);
    const selector = prometheus.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(selector.labelSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'prometheus',
      'operator.prometheus.io/name': 'greenlang',
    });
  });

  it('uploads through a pinned Thanos sidecar with 2h blocks to the SSE-KMS bucket', () => {
    const { thanos } = prometheus.spec;
    expect(thanos.image).toBe(IMAGES.thanos);
    expect(thanos.image).toMatch(/^quay\.io\/thanos\/thanos:v\d+\.\d+\.\d+$/);
    expect(thanos.blockSize).toBe('2h');
    const secret = find(objects, 'Secret', thanos.objectStorageConfig.name);
    expect(parse(secret.stringData[thanos.objectStorageConfig.key])).toEqual({
      type: 'S3',
      config: {
        bucket: 'gl-thanos-metrics-prod-333333333333-eu-west-1',
        endpoint: 's3.eu-west-1.amazonaws.com',
        region: 'eu-west-1',
        sse_config: { type: 'SSE-KMS', kms_key_id: 'alias/greenlang-prod-thanos' },
      },
    });
  });

  it('serves the sidecar StoreAPI with the certificate cert-manager issues for it', () => {
    const { grpcServerTlsConfig } = prometheus.spec.thanos;
    const mount = prometheus.spec.containers[0].volumeMounts[0];
    expect(prometheus.spec.containers[0].name).toBe('thanos-sidecar');
    for (const file of Object.values(grpcServerTlsConfig) as string[])
      expect(file.startsWith(`${mount.mountPath}/`)).toBe(true);
    const volume = prometheus.spec.volumes.find((v: Json) => v.name === mount.name);
    const certificate = find(objects, 'Certificate', volume.secret.secretName);
    expect(certificate.spec.secretName).toBe(volume.secret.secretName);
  });

  it('runs as the IRSA service account, evaluates the rules labelled for it, alerts the Alertmanagers', () => {
    expect(prometheus.spec.serviceAccountName).toBe('prometheus');
    expect(find(objects, 'ServiceAccount', 'prometheus').metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::333333333333:role/greenlang-prod-prometheus',
    });
    expect(prometheus.spec.ruleSelector).toEqual({ matchLabels: { 'greenlang.io/evaluated-by': 'prometheus' } });
    expect(prometheus.spec.serviceMonitorSelector).toEqual({});
    expect(prometheus.spec.podMonitorNamespaceSelector).toEqual({});
    expect(prometheus.spec.alerting.alertmanagers).toEqual([
      {
        namespace: 'monitoring',
        name: 'alertmanager-operated',
        port: 'web',
        apiVersion: 'v2',
        // Alertmanager serves HTTPS: verified against its certificate's CA and service name.
        scheme: 'https',
        tlsConfig: {
          ca: { secret: { name: 'alertmanager-web-tls', key: 'ca.crt' } },
          serverName: 'alertmanager-operated.monitoring.svc',
        },
      },
    ]);
    const binding = find(objects, 'ClusterRoleBinding', 'greenlang-prometheus');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' }]);
  });
});

describe('PodDisruptionBudgets', () => {
  it.each([
    ['prometheus', { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'greenlang' }],
    ['alertmanager', { 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'greenlang' }],
    ['thanos-ruler', { 'app.kubernetes.io/name': 'thanos-ruler', 'thanos-ruler': 'greenlang' }],
  ])('%s keeps one of two replicas up, selecting the operator-made pods', (name, podLabels) => {
    const pdb = find(objects, 'PodDisruptionBudget', name);
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(podLabels);
  });

  it.each([
    ['Deployment', 'thanos-query'],
    ['Deployment', 'thanos-query-frontend'],
    ['StatefulSet', 'thanos-store'],
    ['StatefulSet', 'pushgateway'],
    ['Deployment', 'grafana'],
  ])('%s %s has a PDB selecting its pods', (kind, name) => {
    const workload = find(objects, kind, name);
    const pdb = find(objects, 'PodDisruptionBudget', name);
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(matches(pdb.spec.selector.matchLabels, workload.spec.template.metadata.labels)).toBe(true);
  });
});

describe('Thanos Query and query-frontend', () => {
  const query = find(objects, 'Deployment', 'thanos-query');
  const args: string[] = container(query.spec.template.spec, 'query').args;

  it('runs 2 replicas with the seed resources, partial response on', () => {
    expect(query.spec.replicas).toBe(2);
    expect(container(query.spec.template.spec, 'query').resources).toEqual(resources('250m', '512Mi', '1000m', '2Gi'));
    expect(args).toContain('--query.partial-response');
  });

  it('discovers sidecars, store gateways and rulers by DNS SRV on their grpc ports (--endpoint.sd-config, no --store or --endpoint)', () => {
    expect(args.some((a) => a.startsWith('--store=') || a === '--store')).toBe(false);
    expect(flagValues(args, '--endpoint')).toEqual([]);
    expect(flagValues(args, '--endpoint.sd-config').map((c) => parse(c))).toEqual([
      {
        endpoints: [
          { address: 'dnssrv+_grpc._tcp.prometheus-operated.monitoring.svc.cluster.local' },
          { address: 'dnssrv+_grpc._tcp.thanos-store.monitoring.svc.cluster.local' },
          { address: 'dnssrv+_grpc._tcp.thanos-ruler-operated.monitoring.svc.cluster.local' },
        ],
      },
    ]);
    const store = find(objects, 'Service', 'thanos-store');
    expect(store.spec.clusterIP).toBe('None');
    expect(store.spec.ports).toContainEqual({ name: 'grpc', port: 10901, targetPort: 'grpc', protocol: 'TCP' });
  });

  it('dials and serves gRPC with mutual TLS', () => {
    for (const flag of ['--grpc-client-tls-cert', '--grpc-client-tls-key', '--grpc-client-tls-ca']) {
      expect(flagValues(args, flag)).toHaveLength(1);
    }
    expect(args).toContain('--grpc-client-tls-secure');
    const serverName = flagValues(args, '--grpc-client-server-name')[0];
    for (const c of objects.filter((o) => o.kind === 'Certificate' && o.metadata.name.endsWith('-grpc-tls'))) {
      expect((c as Json).spec.dnsNames).toContain(serverName);
    }
  });

  it('scales from 2 to 4 on CPU and on the seed QPS trigger', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'thanos-query');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'thanos-query' });
    expect(hpa.spec.metrics.map((m: Json) => m.type)).toEqual(['Resource', 'Pods']);
    // 100 QPS over the 2 base replicas: scale out above 50 QPS per pod.
    expect(hpa.spec.metrics[1].pods.target).toEqual({ type: 'AverageValue', averageValue: '50' });
  });

  it('gets its QPS metric from the prometheus-adapter release, counting Thanos Query pods only', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'thanos-query');
    const adapter = helmReleases(config).find((r) => r.chart === 'prometheus-adapter');
    const values = adapter?.values as Json;
    const rule = values.rules.custom.find((r: Json) => r.name.as === hpa.spec.metrics[1].pods.metric.name);
    expect(rule.resources.overrides.pod).toEqual({ resource: 'pod' });
    // The thanos-query ServiceMonitor scrapes the thanos-query Service and relabels job to the adapter's job.
    const queryService = find(objects, 'Service', 'thanos-query');
    const monitor = find(objects, 'ServiceMonitor', 'thanos-query');
    expect(matches(monitor.spec.selector.matchLabels, queryService.metadata.labels)).toBe(true);
    expect(rule.seriesQuery).toContain(`job="${monitor.spec.endpoints[0].relabelings[0].replacement}"`);
    expect(values.prometheus).toEqual({
      url: 'https://prometheus-operated.monitoring.svc.cluster.local',
      port: 9090,
      path: '',
    });
  });

  it('publishes the frontend on an internal NLB at thanos-query.<internal zone>:9090', () => {
    const nlb = find(objects, 'Service', 'thanos-query-internal');
    const url = new URL(thanosQueryUrl('prod'));
    // The same helper as the Pushgateway NLBs: VPC-only source range, cross-zone load balancing.
    // (and an HTTPS target: backend ssl and HTTPS health checks, test/unit/k8s/web-tls.test.ts)
    expect(nlb.metadata.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
      'service.beta.kubernetes.io/load-balancer-source-ranges': config.vpcCidr,
      'service.beta.kubernetes.io/aws-load-balancer-attributes': 'load_balancing.cross_zone.enabled=true',
      'external-dns.alpha.kubernetes.io/hostname': url.hostname,
    });
    expect(nlb.spec.type).toBe('LoadBalancer');
    expect(nlb.spec.loadBalancerClass).toBe('service.k8s.aws/nlb');
    expect(nlb.spec.ports.map((p: Json) => p.port)).toEqual([Number(url.port)]);
    const frontend = find(objects, 'Deployment', 'thanos-query-frontend');
    expect(matches(nlb.spec.selector, frontend.spec.template.metadata.labels)).toBe(true);
    const downstream = flagValues(
      container(frontend.spec.template.spec, 'query-frontend').args,
      '--query-frontend.downstream-url',
    );
    expect(downstream).toEqual(['https://thanos-query.monitoring.svc.cluster.local:9090']);
  });
});

describe('Thanos store gateway', () => {
  const store = find(objects, 'StatefulSet', 'thanos-store');
  const main = container(store.spec.template.spec, 'store');

  it('runs 2 replicas with the seed resources, 50Gi gp3 and required anti-affinity', () => {
    expect(store.spec.replicas).toBe(2);
    expect(main.resources).toEqual(resources('250m', '1Gi', '1000m', '4Gi'));
    expect(store.spec.volumeClaimTemplates[0].spec).toEqual({
      storageClassName: 'gp3',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '50Gi' } },
    });
    expect(requiredHostnameAntiAffinity(store.spec.template.spec.affinity)).toEqual(['kubernetes.io/hostname']);
  });

  it('caches the index in memory (1GB) and chunks in a 1GB caching bucket, under GOMEMLIMIT (90% of 4Gi)', () => {
    expect(flagValues(main.args, '--index-cache.config').map((c) => parse(c))).toEqual([
      { type: 'IN-MEMORY', config: { max_size: '1GB' } },
    ]);
    expect(flagValues(main.args, '--store.caching-bucket.config').map((c) => parse(c))).toEqual([
      { type: 'IN-MEMORY', config: { max_size: '1GB' } },
    ]);
    expect(main.env).toEqual([{ name: 'GOMEMLIMIT', value: '3686MiB' }]);
  });

  it('serves all blocks on both replicas (no hashmod sharding) as the read-only IRSA identity', () => {
    expect(main.args.some((a: string) => a.startsWith('--selector.relabel-config'))).toBe(false);
    expect(store.spec.template.spec.serviceAccountName).toBe('thanos-store');
    expect(find(objects, 'ServiceAccount', 'thanos-store').metadata.annotations['eks.amazonaws.com/role-arn']).toBe(
      'arn:aws:iam::333333333333:role/greenlang-prod-thanos-store',
    );
  });
});

describe('Thanos ruler', () => {
  const ruler = find(objects, 'ThanosRuler', 'greenlang');

  it('runs 2 replicas on the rules labelled for it, querying Thanos Query, uploading its blocks', () => {
    expect(ruler.spec.replicas).toBe(2);
    expect(ruler.spec.ruleSelector).toEqual({ matchLabels: { 'greenlang.io/evaluated-by': 'thanos-ruler' } });
    // Through `queryConfig` (HTTPS, test/unit/k8s/web-tls.test.ts); `queryEndpoints` would be plain HTTP.
    expect(ruler.spec.queryEndpoints).toBeUndefined();
    const queryConfig = parse(find(objects, 'Secret', 'thanos-ruler-query').stringData['query.yaml']);
    expect(queryConfig[0].static_configs).toEqual(['dnssrv+_http._tcp.thanos-query.monitoring.svc.cluster.local']);
    const queryService = find(objects, 'Service', 'thanos-query');
    expect(queryService.spec.ports).toContainEqual({ name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP' });
    expect(ruler.spec.objectStorageConfig).toEqual({ name: 'thanos-objstore', key: 'objstore.yml' });
    expect(ruler.spec.serviceAccountName).toBe('thanos-ruler');
    expect(ruler.spec.alertmanagersUrl).toBeUndefined();
    expect(ruler.spec.alertmanagersConfig).toEqual({ name: 'thanos-ruler-alertmanagers', key: 'alertmanagers.yaml' });
    // What the bucket audit judges a stalled Ruler stream by (checkUploads).
    expect(ruler.spec.retention).toBe('24h');
  });

  it('alerts the Alertmanagers over HTTPS (API v2), verifying them with the CA of its mounted Thanos TLS secret', () => {
    const secret = find(objects, 'Secret', 'thanos-ruler-alertmanagers');
    expect(parse(secret.stringData['alertmanagers.yaml'])).toEqual({
      alertmanagers: [
        {
          scheme: 'https',
          api_version: 'v2',
          static_configs: ['dnssrv+_web._tcp.alertmanager-operated.monitoring.svc.cluster.local'],
          http_config: {
            tls_config: { ca_file: '/etc/thanos/grpc-tls/ca.crt', server_name: 'alertmanager-operated.monitoring.svc' },
          },
        },
      ],
    });
    // The CA file is there: the Ruler mounts its gRPC TLS secret (same CA issuer as Alertmanager's certificate).
    expect(ruler.spec.volumeMounts).toContainEqual({
      name: 'thanos-grpc-tls',
      mountPath: '/etc/thanos/grpc-tls',
      readOnly: true,
    });
    const rulerCert = find(objects, 'Certificate', 'thanos-ruler-grpc-tls');
    expect(find(objects, 'Certificate', 'alertmanager-web-tls').spec.issuerRef).toEqual(rulerCert.spec.issuerRef);
  });

  it('keeps its TSDB and WAL on a 10Gi gp3 volume per replica (a restart loses no rule results)', () => {
    expect(ruler.spec.storage).toEqual({
      volumeClaimTemplate: {
        metadata: { name: 'data' },
        spec: { storageClassName: 'gp3', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      },
    });
  });
});

describe('Thanos compactor (CronJob on Fargate)', () => {
  const cron = find(objects, 'CronJob', 'thanos-compactor');
  const pod = podSpecOf(cron);
  const main = container(pod, 'compactor');
  const script: string = main.command[2];

  it('never overlaps runs and cleans up finished jobs', () => {
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.jobTemplate.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    expect(pod.restartPolicy).toBe('Never');
  });

  it('runs thanos compact once (no --wait) with the retention table flags, downsampling on, delete-delay 48h', () => {
    const args = thanosCompactArgs(config);
    expect(args[0]).toBe('compact');
    expect(args.some((a) => a.startsWith('--wait'))).toBe(false);
    expect(args).not.toContain('--downsampling.disable');
    expect(args).toEqual(expect.arrayContaining(compactorRetentionArgs(config.retention)));
    expect(args).toEqual(
      expect.arrayContaining([
        '--retention.resolution-raw=30d',
        '--retention.resolution-5m=120d',
        '--retention.resolution-1h=730d',
        '--delete-delay=48h',
      ]),
    );
    // The generated wrapper runs exactly these arguments.
    for (const arg of args) expect(script).toContain(`'${arg}'`);
  });

  it('requests what it limits (Fargate), with 140Gi ephemeral storage (the scratch of 14-day blocks) and no EBS, hostPath or privilege', () => {
    expect(main.resources.requests).toEqual({ cpu: '1000m', memory: '4Gi', 'ephemeral-storage': '140Gi' });
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.resources.requests).toEqual(c.resources.limits);
      expect(c.securityContext.privileged).toBeUndefined();
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    }
    expect(pod.volumes.every((v: Json) => v.emptyDir !== undefined || v.secret !== undefined)).toBe(true);
  });

  it('carries exactly the Fargate profile labels, and no other pod does', () => {
    expect(cron.spec.jobTemplate.spec.template.metadata.labels).toEqual(COMPACTOR_POD_LABELS);
    // What the Fargate profile selects: namespace monitoring and these labels.
    const selected = podLabelSets(objects).filter((p) => matches(COMPACTOR_POD_LABELS, p.labels));
    expect(selected.map((p) => p.owner)).toEqual(['CronJob/thanos-compactor']);
    expect(cron.metadata.namespace).toBe('monitoring');
  });

  it('reaches the bucket as the IRSA compactor identity and pushes to every Pushgateway replica pod', () => {
    expect(pod.serviceAccountName).toBe('thanos-compactor');
    expect(find(objects, 'ServiceAccount', 'thanos-compactor').metadata.annotations['eks.amazonaws.com/role-arn']).toBe(
      'arn:aws:iam::333333333333:role/greenlang-prod-thanos-compactor',
    );
    expect(script).toContain(
      "PUSHGATEWAYS='http://pushgateway-0.pushgateway.monitoring.svc.cluster.local:9091 http://pushgateway-1.pushgateway.monitoring.svc.cluster.local:9091'",
    );
    // With the replicas' header, read from the synced secret the pod mounts (curl -H @file).
    const auth = pod.volumes.find((v: Json) => v.secret?.secretName === PUSHGATEWAY_AUTH_SECRET);
    const authMount = main.volumeMounts.find((m: Json) => m.name === auth.name);
    expect(authMount.readOnly).toBe(true);
    expect(script).toContain(`AUTH_HEADER='${authMount.mountPath}/${PUSHGATEWAY_AUTH_KEYS.authorizationHeader}'`);
    // The thanos binary the wrapper finds on PATH is the pinned upstream one.
    const init = container(pod, 'thanos-binary');
    expect(init.image).toBe(IMAGES.thanos);
    const binDir = init.volumeMounts[0].mountPath;
    expect(main.env.find((e: Json) => e.name === 'PATH').value.split(':')[0]).toBe(binDir);
  });
});

describe('Alertmanager', () => {
  const am = find(objects, 'Alertmanager', 'greenlang');

  it('runs 2 replicas with the seed resources, a named gossip cluster and its config from a Secret', () => {
    expect(am.spec.replicas).toBe(2);
    expect(am.spec.resources).toEqual(resources('100m', '256Mi', '500m', '512Mi'));
    expect(am.spec.clusterLabel).toBe('greenlang-prod/monitoring/greenlang');
    expect(find(objects, 'Secret', am.spec.configSecret).stringData).toHaveProperty(['alertmanager.yaml']);
    expect(requiredHostnameAntiAffinity(am.spec.affinity)).toEqual(['kubernetes.io/hostname']);
  });

  it('mounts the webhook bearer token synced by ESO at ALERT_WEBHOOK_TOKEN_FILE', () => {
    expect(am.spec.secrets).toEqual(['alert-webhook-token']);
    const es = find(objects, 'ExternalSecret', 'alert-webhook-token');
    expect(es.spec.target.name).toBe('alert-webhook-token');
    expect(es.spec.data).toEqual([{ secretKey: 'token', remoteRef: { key: 'greenlang-prod/alert-webhook-token' } }]);
    // The operator mounts spec.secrets at /etc/alertmanager/secrets/<secret>/<key>.
    expect('/etc/alertmanager/secrets/alert-webhook-token/token').toBe(
      `/etc/alertmanager/secrets/${es.spec.target.name}/${es.spec.data[0].secretKey}`,
    );
  });

  it('serves its web port over TLS with a certificate from the in-cluster CA, scraped over HTTPS', () => {
    expect(am.spec.web).toEqual({
      tlsConfig: {
        cert: { secret: { name: 'alertmanager-web-tls', key: 'tls.crt' } },
        keySecret: { name: 'alertmanager-web-tls', key: 'tls.key' },
      },
    });
    const cert = find(objects, 'Certificate', 'alertmanager-web-tls');
    expect(cert.spec.secretName).toBe('alertmanager-web-tls');
    expect(cert.spec.issuerRef).toEqual({ name: 'thanos-grpc-ca', kind: 'Issuer', group: 'cert-manager.io' });
    // The name clients verify, each pod's DNS name, and localhost for the operator's config reloader.
    expect(cert.spec.dnsNames).toEqual(
      expect.arrayContaining([
        'alertmanager-operated.monitoring.svc',
        '*.alertmanager-operated.monitoring.svc.cluster.local',
        'localhost',
      ]),
    );
    expect(cert.spec.ipAddresses).toEqual(['127.0.0.1']);
    expect(cert.spec.usages).toContain('server auth');
    const monitor = find(objects, 'PodMonitor', 'alertmanager');
    expect(monitor.spec.podMetricsEndpoints).toEqual([
      expect.objectContaining({
        scheme: 'https',
        tlsConfig: {
          ca: { secret: { name: 'alertmanager-web-tls', key: 'ca.crt' } },
          serverName: 'alertmanager-operated.monitoring.svc',
        },
      }),
    ]);
  });

  it('lets the replicas gossip on 9094 over TCP and UDP, and takes alerts on 9093', () => {
    const policy = find(objects, 'NetworkPolicy', 'alertmanager');
    const ports = policy.spec.ingress.flatMap((r: Json) => r.ports);
    expect(ports).toEqual(
      expect.arrayContaining([
        { port: 9093, protocol: 'TCP' },
        { port: 9094, protocol: 'TCP' },
        { port: 9094, protocol: 'UDP' },
      ]),
    );
  });
});

describe('Pushgateway', () => {
  const sts = find(objects, 'StatefulSet', 'pushgateway');
  const main = container(sts.spec.template.spec, 'pushgateway');

  it('runs 2 replicas persisting to a 2Gi PVC each, with the seed resources', () => {
    expect(sts.spec.replicas).toBe(2);
    expect(main.resources).toEqual(resources('100m', '128Mi', '500m', '512Mi'));
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.spec.resources.requests.storage).toBe('2Gi');
    const mount = main.volumeMounts.find((m: Json) => m.name === claim.metadata.name);
    expect(flagValues(main.args, '--persistence.file')[0]?.startsWith(`${mount.mountPath}/`)).toBe(true);
    expect(main.ports).toEqual([{ name: 'http', containerPort: 9091, protocol: 'TCP' }]);
  });

  it('admits only the generated basic-auth user: web config, probes and scrape credentials from one synced secret', () => {
    const secret = find(objects, 'ExternalSecret', PUSHGATEWAY_AUTH_SECRET);
    expect(secret.spec.dataFrom).toEqual([{ extract: { key: secretName('prod', 'pushgateway-basic-auth') } }]);
    expect(Object.keys(secret.spec.target.template.data).sort()).toEqual(
      Object.values(PUSHGATEWAY_AUTH_KEYS).slice().sort(),
    );
    const volume = sts.spec.template.spec.volumes.find((v: Json) => v.secret?.secretName === PUSHGATEWAY_AUTH_SECRET);
    const mount = main.volumeMounts.find((m: Json) => m.name === volume.name);
    expect(mount).toEqual({ name: volume.name, mountPath: PUSHGATEWAY_AUTH_DIR, readOnly: true });
    expect(flagValues(main.args, '--web.config.file')).toEqual([
      `${mount.mountPath}/${PUSHGATEWAY_AUTH_KEYS.webConfig}`,
    ]);
    // The probes read the header from the same mount (their command runs on a real Pushgateway in
    // pushgateway-auth.test.ts); an httpGet probe would get 401.
    for (const probe of [main.readinessProbe, main.livenessProbe]) {
      expect(probe.httpGet).toBeUndefined();
      expect(probe.exec.command.join(' ')).toContain(`${mount.mountPath}/${PUSHGATEWAY_AUTH_KEYS.authorizationHeader}`);
    }
    const monitor = find(objects, 'ServiceMonitor', 'pushgateway');
    expect(monitor.spec.endpoints[0].basicAuth).toEqual({
      username: { name: PUSHGATEWAY_AUTH_SECRET, key: PUSHGATEWAY_AUTH_KEYS.username },
      password: { name: PUSHGATEWAY_AUTH_SECRET, key: PUSHGATEWAY_AUTH_KEYS.password },
    });
    // The ServiceMonitor reads secrets of its own namespace only (prometheus-operator resource_selector.go).
    expect(secret.metadata.namespace).toBe(monitor.metadata.namespace);
  });

  it('has a headless service for pod DNS and is scraped with honorLabels', () => {
    const headless = find(objects, 'Service', sts.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    const monitor = find(objects, 'ServiceMonitor', 'pushgateway');
    expect(monitor.spec.endpoints).toEqual([
      expect.objectContaining({ port: 'http', interval: '15s', honorLabels: true }),
    ]);
    expect(matches(monitor.spec.selector.matchLabels, headless.metadata.labels)).toBe(true);
  });

  it.each([0, 1])('publishes replica %i alone on an internal NLB at pushgatewayReplicaUrl', (i) => {
    const service = find(objects, 'Service', `pushgateway-${i}`);
    const url = new URL(pushgatewayReplicaUrl('prod', i));
    expect(service.spec.selector['statefulset.kubernetes.io/pod-name']).toBe(`pushgateway-${i}`);
    expect(service.metadata.annotations['external-dns.alpha.kubernetes.io/hostname']).toBe(url.hostname);
    expect(service.metadata.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
      // Only the VPC reaches the NLB; cross-zone so one zone's replica answers from every zone's address.
      'service.beta.kubernetes.io/load-balancer-source-ranges': config.vpcCidr,
      'service.beta.kubernetes.io/aws-load-balancer-attributes': 'load_balancing.cross_zone.enabled=true',
      'external-dns.alpha.kubernetes.io/hostname': url.hostname,
      // TLS at the NLB (the URL is https): render's placeholder ARN stands for the deployed certificate.
      'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': renderPushgatewayCertificateArn(config),
      'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'https',
      'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'tcp',
    });
    expect(url.protocol).toBe('https:');
    expect(service.spec.loadBalancerClass).toBe('service.k8s.aws/nlb');
    expect(service.spec.ports).toEqual([
      { name: 'https', port: Number(url.port), targetPort: 'http', protocol: 'TCP' },
    ]);
    // The ServiceMonitor must not scrape the NLB services (each replica would be scraped twice).
    const monitor = find(objects, 'ServiceMonitor', 'pushgateway');
    expect(monitor.spec.selector.matchExpressions).toEqual([
      { key: 'greenlang.io/exposure', operator: 'DoesNotExist' },
    ]);
    expect(service.metadata.labels['greenlang.io/exposure']).toBe('internal-nlb');
  });
});

describe('Grafana', () => {
  it('uses Thanos Query (through the frontend) as its default data source', () => {
    const configMap = find(objects, 'ConfigMap', 'grafana-config');
    const datasources = parse(configMap.data['datasources.yaml']).datasources;
    expect(datasources.map((d: Json) => d.type)).toEqual(['prometheus', 'cloudwatch']);
    expect(datasources[0]).toMatchObject({
      type: 'prometheus',
      isDefault: true,
      url: 'https://thanos-query-frontend.monitoring.svc.cluster.local:9090',
    });
  });

  it('signs in with generic OAuth2, its client from the ExternalSecret, files mounted where grafana.ini reads them', () => {
    const ini: string = find(objects, 'ConfigMap', 'grafana-config').data['grafana.ini'];
    const section = ini.split('[auth.generic_oauth]')[1]?.split('\n[')[0] ?? '';
    expect(section).toContain('enabled = true');
    const secretFiles = [...section.matchAll(/\$__file\{([^}]+)\}/g)].map((m) => m[1] as string);
    expect(secretFiles.map((f) => f.split('/').pop())).toEqual([
      'client_id',
      'client_secret',
      'auth_url',
      'token_url',
      'api_url',
    ]);
    const deployment = find(objects, 'Deployment', 'grafana');
    const mount = container(deployment.spec.template.spec, 'grafana').volumeMounts.find(
      (m: Json) => m.name === 'oauth',
    );
    for (const f of secretFiles) expect(f.startsWith(`${mount.mountPath}/`)).toBe(true);
    const es = find(objects, 'ExternalSecret', 'grafana-oauth');
    expect(es.spec.dataFrom).toEqual([{ extract: { key: 'greenlang-prod/grafana-oauth' } }]);
    expect(deployment.spec.template.spec.volumes).toContainEqual({
      name: 'oauth',
      secret: { secretName: 'grafana-oauth' },
    });
    expect(container(deployment.spec.template.spec, 'grafana').image).toMatch(
      /^docker\.io\/grafana\/grafana:\d+\.\d+\.\d+$/,
    );
  });
});

describe('scrape targets', () => {
  const job = (name: string) => [{ action: 'replace', targetLabel: 'job', replacement: name }];
  it.each([
    ['ServiceMonitor', 'greenlang-api', { port: 'metrics' }, 'greenlang-api'],
    ['PodMonitor', 'greenlang-agents', { port: 'metrics' }, 'greenlang-agents'],
    [
      'ServiceMonitor',
      'kong',
      {
        port: 'metrics',
        // Kong's own `service` (renamed exported_service at scrape) kept as kong_service (lib/k8s/monitors.ts).
        metricRelabelings: [
          { action: 'replace', sourceLabels: ['exported_service'], targetLabel: 'kong_service' },
          { action: 'labeldrop', regex: 'exported_service' },
        ],
      },
      'kong',
    ],
    ['ServiceMonitor', 'postgres-exporter', { targetPort: 9187 }, 'postgres-exporter'],
    ['ServiceMonitor', 'redis-exporter', { targetPort: 9121 }, 'redis-exporter'],
  ])('%s %s selects across namespaces, scrapes %j every 15s as job %s', (kind, name, port, jobName) => {
    const monitor = find(objects, kind, name);
    expect(monitor.spec.namespaceSelector).toEqual({ any: true });
    const endpoints = kind === 'PodMonitor' ? monitor.spec.podMetricsEndpoints : monitor.spec.endpoints;
    expect(endpoints).toEqual([{ ...port, path: '/metrics', interval: '15s', relabelings: job(jobName) }]);
  });

  it.each([
    [
      'PodMonitor',
      'prometheus',
      'prometheus-greenlang-0',
      {
        port: 'http-web',
        scheme: 'https',
        tlsConfig: {
          ca: { secret: { name: 'prometheus-web-tls', key: 'ca.crt' } },
          serverName: 'prometheus-operated.monitoring.svc',
        },
      },
    ],
    [
      'PodMonitor',
      'thanos-sidecar',
      'prometheus-greenlang-0',
      {
        targetPort: 10902,
        scheme: 'https',
        tlsConfig: {
          ca: { secret: { name: 'thanos-sidecar-grpc-tls', key: 'ca.crt' } },
          serverName: 'thanos-http.monitoring.svc',
        },
      },
    ],
    [
      'PodMonitor',
      'thanos-ruler',
      'thanos-ruler-greenlang-0',
      {
        targetPort: 10902,
        scheme: 'https',
        tlsConfig: {
          ca: { secret: { name: 'thanos-ruler-web-tls', key: 'ca.crt' } },
          serverName: 'thanos-http.monitoring.svc',
        },
      },
    ],
    [
      'PodMonitor',
      'alertmanager',
      'alertmanager-greenlang-0',
      {
        targetPort: 9093,
        // Alertmanager serves HTTPS (web TLS): the scrape verifies its certificate.
        scheme: 'https',
        tlsConfig: {
          ca: { secret: { name: 'alertmanager-web-tls', key: 'ca.crt' } },
          serverName: 'alertmanager-operated.monitoring.svc',
        },
      },
    ],
  ])("%s %s selects the operator's pods (%s) in monitoring on %j", (kind, name, _pod, port) => {
    const monitor = find(objects, kind, name);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['monitoring'] });
    expect(monitor.spec.podMetricsEndpoints).toEqual([
      { ...port, path: '/metrics', interval: '15s', relabelings: job(name) },
    ]);
  });

  it.each(['thanos-query', 'thanos-query-frontend', 'thanos-store', 'grafana'])(
    'ServiceMonitor %s selects only its own Service (never the internal NLB) and sets its job',
    (name) => {
      const monitor = find(objects, 'ServiceMonitor', name);
      const selected = objects.filter(
        (o) =>
          o.kind === 'Service' &&
          matches(monitor.spec.selector.matchLabels, o.metadata.labels ?? {}) &&
          !('greenlang.io/exposure' in (o.metadata.labels ?? {})),
      );
      expect(selected.map((o) => o.metadata.name)).toEqual([name]);
      expect(monitor.spec.endpoints[0].relabelings).toEqual(job(name));
    },
  );
});

/** Whether a block survives one shard's relabel config: hashmod into `shard`, then keep (full-match regex). */
function keeps(relabel: Json[], blockId: string): boolean {
  const labels: Record<string, string> = { __block_id: blockId };
  for (const step of relabel) {
    const value = step.source_labels.map((l: string) => labels[l] ?? '').join(';');
    if (step.action === 'hashmod') labels[step.target_label] = String(hashmod(value, step.modulus));
    else if (step.action === 'keep' && !new RegExp(`^(?:${step.regex})$`).test(value)) return false;
  }
  return true;
}

describe('store gateway shards', () => {
  const sharded = (shards: number) => {
    const base = loadEnvironmentConfig('prod');
    const c = { ...base, sizing: { ...base.sizing, thanosStore: { ...base.sizing.thanosStore, shards } } };
    return kubernetesObjects(c);
  };

  it('unsharded by default: one StatefulSet of 2 serving every block, and no autoscaler', () => {
    const sets = objects.filter((o) => o.kind === 'StatefulSet' && o.metadata.name.startsWith('thanos-store'));
    expect(sets.map((o) => [o.metadata.name, (o as Json).spec.replicas])).toEqual([['thanos-store', 2]]);
    const store = container((sets[0] as Json).spec.template.spec, 'store');
    expect(store.args.filter((a: string) => a.startsWith('--selector.relabel-config'))).toEqual([]);
    // Query sends every query to every store gateway: a replica added on latency would repeat the work.
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name)).not.toContain(
      'thanos-store',
    );
    const adapter = helmReleases(config).find((r) => r.chart === 'prometheus-adapter') as HelmRelease;
    expect(((adapter.values as Json).rules.custom as Json[]).map((r) => r.name.as)).toEqual([
      'thanos_query_requests_per_second',
    ]);
  });

  it('two shards: a StatefulSet each, one Service, PDB, monitor and policy over both', () => {
    const all = sharded(2);
    const sets = [find(all, 'StatefulSet', 'thanos-store-shard-0'), find(all, 'StatefulSet', 'thanos-store-shard-1')];
    expect(all.some((o) => o.kind === 'StatefulSet' && o.metadata.name === 'thanos-store')).toBe(false);
    const service = find(all, 'Service', 'thanos-store');
    const monitor = find(all, 'ServiceMonitor', 'thanos-store');
    const policy = find(all, 'NetworkPolicy', 'thanos-store');
    for (const [i, set] of sets.entries()) {
      const podLabels = set.spec.template.metadata.labels;
      expect(set.spec.replicas).toBe(2);
      expect(set.spec.selector.matchLabels['greenlang.io/store-shard']).toBe(String(i));
      expect(matches(set.spec.selector.matchLabels, podLabels)).toBe(true);
      expect(matches(service.spec.selector, podLabels)).toBe(true);
      expect(matches(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      expect(matches(policy.spec.podSelector.matchLabels, podLabels)).toBe(true);
      // The replicas of one shard on different nodes; another shard's pods may share a node.
      expect(set.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
        { labelSelector: { matchLabels: set.spec.selector.matchLabels }, topologyKey: 'kubernetes.io/hostname' },
      ]);
      // In a manifest of its own: a shard change moves no other object between the apply chunks.
      expect(set.metadata.annotations['greenlang.io/apply-manifest']).toBe('store-gateways');
      // With the service account its pods need (the own manifest applies before the chunks).
      expect(find(all, 'ServiceAccount', 'thanos-store').metadata.annotations['greenlang.io/apply-manifest']).toBe(
        'store-gateways',
      );
      // Exactly one PDB over each pod (the eviction API refuses a pod under two), the same name as unsharded.
      const budgets = all.filter(
        (o) => o.kind === 'PodDisruptionBudget' && matches((o as Json).spec.selector.matchLabels, podLabels),
      );
      expect(budgets.map((o) => o.metadata.name)).toEqual(['thanos-store']);
    }
    // Neither shard's StatefulSet selects the other's pods.
    expect(matches(sets[0].spec.selector.matchLabels, sets[1].spec.template.metadata.labels)).toBe(false);
    expect(matches(sets[1].spec.selector.matchLabels, sets[0].spec.template.metadata.labels)).toBe(false);
  });

  it.each([2, 3, 4])('%i shards: every block is served by exactly one shard, and the shares are even', (shards) => {
    const all = sharded(shards);
    const relabels = Array.from({ length: shards }, (_, i) => {
      const args: string[] = container(
        find(all, 'StatefulSet', `thanos-store-shard-${i}`).spec.template.spec,
        'store',
      ).args;
      const flag = args.filter((a) => a.startsWith('--selector.relabel-config='));
      expect(flag).toHaveLength(1);
      return parse((flag[0] as string).slice('--selector.relabel-config='.length)) as Json[];
    });
    const served = new Array(shards).fill(0);
    for (let n = 0; n < 6000; n++) {
      const blockId = makeUlid(1_700_000_000_000 + n * 7_200_000, ulidRandomness(n));
      const owners = relabels.flatMap((r, i) => (keeps(r, blockId) ? [i] : []));
      expect(owners).toHaveLength(1);
      served[owners[0] as number]++;
    }
    for (const count of served) expect(Math.abs(count - 6000 / shards)).toBeLessThan((6000 / shards) * 0.15);
  });

  it('refuses more store gateways than components.thanosStore.maxReplicas, and a shard count below 1', () => {
    const base = loadEnvironmentConfig('prod').sizing;
    const at = (shards: number) => sizingProblems({ ...base, thanosStore: { ...base.thanosStore, shards } });
    expect(at(2)).toEqual([]);
    expect(at(3)).toContain(
      'thanosStore.shards: 3 shards × 2 replicas = 6 store gateways, above components.thanosStore.maxReplicas (4)',
    );
    expect(at(0)).toContain('thanosStore.shards: must be a whole number of at least 1, got 0');
  });
});

describe('versions', () => {
  it('pulls nothing the hourly compactor runs from Docker Hub (Fargate keeps no image cache; anonymous pull limits)', () => {
    const spec = find(objects, 'CronJob', 'thanos-compactor').spec.jobTemplate.spec.template.spec;
    const images = [...spec.initContainers, ...spec.containers].map((c: Json) => c.image as string);
    expect(images).toEqual([IMAGES.thanos, 'quay.io/curl/curl:8.16.0']);
    for (const image of images) expect(image).not.toMatch(/^docker\.io\//);
  });

  it('pins every image and chart, with no latest and no Bitnami', () => {
    const images = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'image' && typeof v === 'string') images.add(v);
          else collect(v);
        }
      }
    };
    collect(objects);
    expect([...images].sort()).toEqual([...new Set(Object.values(IMAGES))].sort());
    for (const image of images) {
      expect(image).toMatch(/^(quay\.io|docker\.io)\/[a-z-]+\/[a-z-]+:v?\d+\.\d+\.\d+$/);
      expect(image).not.toMatch(/bitnami|:latest/);
    }
    for (const release of helmReleases(config)) expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('keeps the prometheus-operator chart to the operator and its CRDs', () => {
    const [operator] = helmReleases(config);
    expect(operator?.chart).toBe('kube-prometheus-stack');
    const values = operator?.values as Json;
    expect(values.crds.enabled).toBe(true);
    // CRDs are upgraded with the chart (Helm never upgrades crds/), by a Job whose images avoid Docker Hub.
    expect(values.crds.upgradeJob).toEqual({
      enabled: true,
      image: {
        busybox: { registry: 'public.ecr.aws', repository: 'docker/library/busybox', tag: '1.37.0' },
        kubectl: { registry: 'registry.k8s.io', repository: 'kubectl', tag: 'v1.35.0' },
      },
    });
    expect(values.prometheusOperator.enabled).toBe(true);
    for (const off of ['prometheus', 'alertmanager', 'grafana', 'thanosRuler', 'kubeStateMetrics', 'nodeExporter']) {
      expect(`${off}: ${values[off].enabled}`).toBe(`${off}: false`);
    }
  });
});
