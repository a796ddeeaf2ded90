import { ClusterSecretStore, ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1';
import {
  Alertmanager,
  PodMonitor,
  Prometheus,
  PrometheusRule,
  ServiceMonitor,
  ThanosRuler,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { alertmanagerConfig, renderAlertWebhookUrl } from '../../../lib/alerting/alertmanager-config';
import { kubernetesObjects } from '../../../lib/k8s';
import { allowMonitoringScrapePolicy } from '../../../lib/k8s/network-policies';
import { ENVIRONMENTS, find, type Json, objectsFor } from './support';

/** Validates one object against its schema; throws with the schema errors. */
type Validator = (object: unknown) => void;
const model =
  (Model: new (data: never) => { validate(): void }): Validator =>
  (object) =>
    new Model(object as never).validate();

/**
 * @kubernetes-models/prometheus-operator 6.0.0 wrongly requires `apiVersion: monitoring.coreos.com/v1` and
 * `kind: EmbeddedPersistentVolumeClaim` on `spec.storage.volumeClaimTemplate` (the CRD has no such constraint and
 * the operator ignores both). Validate the claim as a core PersistentVolumeClaim, the CR with the type meta added.
 */
const withEmbeddedClaim =
  (validate: Validator): Validator =>
  (object) => {
    const o = object as Json;
    const claim = o.spec?.storage?.volumeClaimTemplate;
    if (!claim) return validate(o);
    new PersistentVolumeClaim(claim).validate();
    const typed = { apiVersion: 'monitoring.coreos.com/v1', kind: 'EmbeddedPersistentVolumeClaim', ...claim };
    validate({ ...o, spec: { ...o.spec, storage: { ...o.spec.storage, volumeClaimTemplate: typed } } });
  };

const SCHEMAS: Record<string, Validator> = {
  'v1/Namespace': model(Namespace),
  'v1/Secret': model(Secret),
  'v1/ConfigMap': model(ConfigMap),
  'v1/Service': model(Service),
  'v1/ServiceAccount': model(ServiceAccount),
  'v1/PersistentVolumeClaim': model(PersistentVolumeClaim),
  'apps/v1/Deployment': model(Deployment),
  'apps/v1/StatefulSet': model(StatefulSet),
  'batch/v1/CronJob': model(CronJob),
  'autoscaling/v2/HorizontalPodAutoscaler': model(HorizontalPodAutoscaler),
  'policy/v1/PodDisruptionBudget': model(PodDisruptionBudget),
  'networking.k8s.io/v1/NetworkPolicy': model(NetworkPolicy),
  'rbac.authorization.k8s.io/v1/ClusterRole': model(ClusterRole),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': model(ClusterRoleBinding),
  'monitoring.coreos.com/v1/Prometheus': withEmbeddedClaim(model(Prometheus)),
  'monitoring.coreos.com/v1/Alertmanager': withEmbeddedClaim(model(Alertmanager)),
  'monitoring.coreos.com/v1/ThanosRuler': withEmbeddedClaim(model(ThanosRuler)),
  'monitoring.coreos.com/v1/ServiceMonitor': model(ServiceMonitor),
  'monitoring.coreos.com/v1/PodMonitor': model(PodMonitor),
  'monitoring.coreos.com/v1/PrometheusRule': model(PrometheusRule),
  'external-secrets.io/v1/ExternalSecret': model(ExternalSecret),
  'external-secrets.io/v1/ClusterSecretStore': model(ClusterSecretStore),
  // cert-manager has no models package: checked structurally.
  'cert-manager.io/v1/Issuer': (o) => checkIssuer(o as Json),
  'cert-manager.io/v1/Certificate': (o) => checkCertificate(o as Json),
};

function checkIssuer(issuer: Json): void {
  const kinds = Object.keys(issuer.spec ?? {}).filter((k) => ['selfSigned', 'ca', 'acme', 'vault'].includes(k));
  if (kinds.length !== 1) throw new Error(`Issuer ${issuer.metadata.name}: needs exactly one issuer type`);
  if (kinds[0] === 'ca' && typeof issuer.spec.ca.secretName !== 'string') throw new Error('ca.secretName missing');
  if (typeof issuer.metadata.namespace !== 'string') throw new Error('Issuer must be namespaced');
}

const DURATION = /^([0-9]+(\.[0-9]+)?(h|m|s))+$/;
function checkCertificate(cert: Json): void {
  const s = cert.spec ?? {};
  const problems: string[] = [];
  if (typeof s.secretName !== 'string' || s.secretName === '') problems.push('secretName');
  if (s.issuerRef?.kind !== 'Issuer' && s.issuerRef?.kind !== 'ClusterIssuer') problems.push('issuerRef.kind');
  if (typeof s.issuerRef?.name !== 'string') problems.push('issuerRef.name');
  if (!s.commonName && !(Array.isArray(s.dnsNames) && s.dnsNames.length > 0)) problems.push('commonName or dnsNames');
  for (const field of ['duration', 'renewBefore']) {
    if (s[field] !== undefined && !DURATION.test(s[field])) problems.push(field);
  }
  const usages = ['server auth', 'client auth', 'digital signature', 'key encipherment', 'cert sign'];
  if (s.usages?.some((u: string) => !usages.includes(u))) problems.push('usages');
  if (s.privateKey && !['RSA', 'ECDSA', 'Ed25519'].includes(s.privateKey.algorithm)) problems.push('privateKey');
  if (problems.length > 0) throw new Error(`Certificate ${cert.metadata.name}: invalid ${problems.join(', ')}`);
}

describe.each(ENVIRONMENTS)('every object rendered for %s', (env) => {
  const { objects, config } = objectsFor(env);

  it('has a schema here, and validates against it', () => {
    const failures: string[] = [];
    for (const object of objects) {
      const validate = SCHEMAS[`${object.apiVersion}/${object.kind}`];
      if (!validate) {
        failures.push(`${object.apiVersion}/${object.kind} ${object.metadata.name}: no schema registered`);
        continue;
      }
      try {
        validate(object);
      } catch (error) {
        failures.push(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('names each object once per kind and namespace, and puts namespaced objects in monitoring', () => {
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ClusterSecretStore'];
    for (const o of objects.filter((x) => !clusterScoped.includes(x.kind))) {
      expect(`${o.kind}/${o.metadata.name}:${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name}:monitoring`);
    }
  });

  it('embeds YAML configs that parse (objstore, Alertmanager config, store caches)', () => {
    const objstore = parse(find(objects, 'Secret', 'thanos-objstore').stringData['objstore.yml']);
    expect(objstore.type).toBe('S3');
    const am = parse(find(objects, 'Secret', 'alertmanager-greenlang-config').stringData['alertmanager.yaml']);
    // By default (render) the project's Alertmanager config, with the placeholder fan-out URL.
    expect(am).toEqual(alertmanagerConfig(config, { alertWebhookUrl: renderAlertWebhookUrl(config.name) }));
  });
});

describe('the schema check itself', () => {
  it('rejects an object the schema forbids (so a passing run means something)', () => {
    const { objects } = objectsFor('prod');
    const prometheus = find(objects, 'Prometheus', 'greenlang');
    const broken = { ...prometheus, spec: { ...prometheus.spec, retentionSize: '50 gigabytes' } };
    expect(() => SCHEMAS['monitoring.coreos.com/v1/Prometheus']?.(broken)).toThrow('retentionSize');
    const cert = find(objects, 'Certificate', 'thanos-query-grpc-tls');
    expect(() => checkCertificate({ ...cert, spec: { ...cert.spec, issuerRef: {} } })).toThrow('issuerRef.kind');
  });

  it('validates the scrape NetworkPolicy template offered to application namespaces', () => {
    expect(() => new NetworkPolicy(allowMonitoringScrapePolicy('greenlang') as never).validate()).not.toThrow();
  });

  it('passes the Alertmanager config given as input through unchanged', () => {
    const { config } = objectsFor('prod');
    const routing = { route: { receiver: 'fanout', group_by: ['alertname'] }, receivers: [{ name: 'fanout' }] };
    const secret: Json = find(
      kubernetesObjects(config, { alertmanagerConfig: routing }),
      'Secret',
      'alertmanager-greenlang-config',
    );
    expect(parse(secret.stringData['alertmanager.yaml'])).toEqual(routing);
  });
});
