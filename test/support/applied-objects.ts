import type { Template } from 'aws-cdk-lib/assertions';

// biome-ignore lint/suspicious/noExplicitAny: test helper over plain JSON
export type Json = Record<string, any>;

/**
 * The Kubernetes objects a stack applies (Custom::AWSCDK-EKS-KubernetesResource manifests), parsed back from their
 * CloudFormation values: a deploy-time token (e.g. `{"Ref": "Cert"}`) becomes the text `<<{"Ref":"Cert"}>>`.
 */
export function appliedObjects(template: Template): Json[] {
  const resources = template.findResources('Custom::AWSCDK-EKS-KubernetesResource');
  return Object.values(resources).flatMap((resource) => {
    const manifest = (resource as Json).Properties.Manifest;
    const text =
      typeof manifest === 'string'
        ? manifest
        : (manifest['Fn::Join'][1] as unknown[])
            .map((part) => (typeof part === 'string' ? part : `<<${JSON.stringify(part).replaceAll('"', '\\"')}>>`))
            .join('');
    return JSON.parse(text) as Json[];
  });
}

/** The one object of `kind` named `name`; throws when there is none or more than one. */
export function findObject(objects: Json[], kind: string, name: string): Json {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as Json;
}
