import { ENVIRONMENTS, type Json, objectsFor } from './support';

/** Every name a workload refers to exists among the rendered objects (or is made by ESO or cert-manager from one). */
describe.each(ENVIRONMENTS)('references between objects rendered for %s', (env) => {
  const { objects } = objectsFor(env);
  const all = objects as Json[];
  const named = (kind: string) => new Set(all.filter((o) => o.kind === kind).map((o) => o.metadata.name as string));
  const secrets = new Set([
    ...named('Secret'),
    ...all.filter((o) => o.kind === 'ExternalSecret').map((o) => o.spec.target.name as string),
    ...all.filter((o) => o.kind === 'Certificate').map((o) => o.spec.secretName as string),
  ]);
  const podSpecs = all.flatMap((o): { owner: string; spec: Json }[] => {
    const owner = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'CronJob') return [{ owner, spec: o.spec.jobTemplate.spec.template.spec }];
    if (['Deployment', 'StatefulSet'].includes(o.kind)) return [{ owner, spec: o.spec.template.spec }];
    if (['Prometheus', 'Alertmanager', 'ThanosRuler'].includes(o.kind)) return [{ owner, spec: o.spec }];
    return [];
  });

  it('every service account a workload runs as is rendered', () => {
    const accounts = named('ServiceAccount');
    for (const { owner, spec } of podSpecs) {
      expect(`${owner}: ${accounts.has(spec.serviceAccountName) ? 'ok' : spec.serviceAccountName}`).toBe(
        `${owner}: ok`,
      );
    }
  });

  it('every secret and config map a workload mounts or reads is rendered or synced', () => {
    const configMaps = named('ConfigMap');
    const missing: string[] = [];
    for (const { owner, spec } of podSpecs) {
      for (const v of spec.volumes ?? []) {
        if (v.secret && !secrets.has(v.secret.secretName)) missing.push(`${owner} secret ${v.secret.secretName}`);
        if (v.configMap && !configMaps.has(v.configMap.name)) missing.push(`${owner} configMap ${v.configMap.name}`);
      }
      for (const s of spec.secrets ?? []) if (!secrets.has(s)) missing.push(`${owner} secret ${s}`);
      for (const ref of [spec.configSecret, spec.objectStorageConfig?.name, spec.thanos?.objectStorageConfig?.name]) {
        if (ref && !secrets.has(ref)) missing.push(`${owner} secret ${ref}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every volume a container mounts is declared in its pod', () => {
    const missing: string[] = [];
    // StatefulSets below (their claims are volumes too); operator CRs only list patches and extra volumes.
    for (const { owner, spec } of podSpecs.filter((p) => !p.owner.startsWith('StatefulSet/'))) {
      const declared = new Set((spec.volumes ?? []).map((v: Json) => v.name));
      for (const m of spec.volumeMounts ?? []) if (!declared.has(m.name)) missing.push(`${owner} ${m.name}`);
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        for (const m of c.volumeMounts ?? []) if (!declared.has(m.name)) missing.push(`${owner} ${c.name} ${m.name}`);
      }
    }
    for (const o of all.filter((x) => x.kind === 'StatefulSet')) {
      const declared = new Set([
        ...(o.spec.template.spec.volumes ?? []).map((v: Json) => v.name),
        ...o.spec.volumeClaimTemplates.map((v: Json) => v.metadata.name),
      ]);
      for (const c of o.spec.template.spec.containers) {
        for (const m of c.volumeMounts ?? [])
          if (!declared.has(m.name)) missing.push(`${o.metadata.name} ${c.name} ${m.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every Service selects the pods of a rendered workload, on ports those pods expose', () => {
    const templates = all.flatMap((o) => {
      if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
        const ports = o.spec.template.spec.containers.flatMap((c: Json) => c.ports ?? []);
        return [{ labels: o.spec.template.metadata.labels as Record<string, string>, ports }];
      }
      return [];
    });
    for (const svc of all.filter((o) => o.kind === 'Service')) {
      const selector = Object.entries(svc.spec.selector as Record<string, string>).filter(
        ([k]) => k !== 'statefulset.kubernetes.io/pod-name',
      );
      const target = templates.find((t) => selector.every(([k, v]) => t.labels[k] === v));
      expect(`${svc.metadata.name}: ${target ? 'selects a workload' : 'selects nothing'}`).toBe(
        `${svc.metadata.name}: selects a workload`,
      );
      for (const port of svc.spec.ports) {
        const exposed = target?.ports.some((p: Json) => p.name === port.targetPort && p.protocol === port.protocol);
        expect(`${svc.metadata.name}:${port.targetPort} ${exposed ? 'exposed' : 'not exposed'}`).toBe(
          `${svc.metadata.name}:${port.targetPort} exposed`,
        );
      }
    }
  });
});
