import type { EnvironmentConfig, EnvironmentName } from '../../../lib/config';
import { loadEnvironmentConfig } from '../../../lib/config';
import { kubernetesObjects } from '../../../lib/k8s';
import type { KubernetesObject } from '../../../lib/k8s/types';

/** Loose access into rendered objects (they are plain JSON). */
// biome-ignore lint/suspicious/noExplicitAny: test helper over plain JSON
export type Json = any;

export const ENVIRONMENTS: readonly EnvironmentName[] = ['dev', 'staging', 'prod'];

export function objectsFor(env: EnvironmentName): { config: EnvironmentConfig; objects: KubernetesObject[] } {
  const config = loadEnvironmentConfig(env);
  return { config, objects: kubernetesObjects(config) };
}

/** The one object of that kind and name; fails the test loudly when missing or duplicated. */
export function find(objects: readonly KubernetesObject[], kind: string, name: string): Json {
  const matches = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (matches.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${matches.length}`);
  return matches[0];
}

export function container(podSpec: Json, name: string): Json {
  const all = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];
  const found = all.find((c: Json) => c.name === name);
  if (!found) throw new Error(`no container ${name} in ${all.map((c: Json) => c.name).join(', ')}`);
  return found;
}

/** Values of a repeatable flag (`--flag=value`) in an argument list. */
export function flagValues(args: readonly string[], flag: string): string[] {
  return args.filter((a) => a.startsWith(`${flag}=`)).map((a) => a.slice(flag.length + 1));
}

/** Pod labels of every workload: pod templates, and the pods the operator creates from its custom resources. */
export function podLabelSets(
  objects: readonly KubernetesObject[],
): { owner: string; labels: Record<string, string> }[] {
  const sets: { owner: string; labels: Record<string, string> }[] = [];
  for (const o of objects as Json[]) {
    const owner = `${o.kind}/${o.metadata.name}`;
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind)) {
      sets.push({ owner, labels: o.spec.template.metadata?.labels ?? {} });
    } else if (o.kind === 'CronJob') {
      sets.push({ owner, labels: o.spec.jobTemplate.spec.template.metadata?.labels ?? {} });
    } else if (['Prometheus', 'Alertmanager', 'ThanosRuler'].includes(o.kind)) {
      sets.push({ owner, labels: o.spec.podMetadata?.labels ?? {} });
    }
  }
  return sets;
}
