import type { KubernetesObject } from '../k8s/types';

/**
 * How the platform stack applies Kubernetes objects (pure, so it is tested without synthesizing a cluster):
 * namespaces before any Helm release, everything else after all releases (the releases bring the CRDs and the
 * load balancer controller's webhook that Services go through), in chunks small enough for one kubectl call.
 */

/** Chunk budget: a chunk becomes one custom resource whose properties carry the manifest as JSON. */
export const MAX_CHUNK_BYTES = 48 * 1024;
export const MAX_CHUNK_OBJECTS = 25;

/**
 * Annotation putting an object into a manifest of its own, by name, instead of the positional chunks: for objects
 * whose number follows the configuration (the store gateway's shard StatefulSets). Each chunk prunes, by its own
 * label, what it no longer lists; an object that moves to another chunk can be pruned before the other chunk applies
 * it (deleted and created again). Adding or removing such an object would move the objects after it; in a manifest
 * of their own they move nothing.
 */
export const OWN_MANIFEST_ANNOTATION = 'greenlang.io/apply-manifest';

export interface ApplyPhases {
  /** Namespaces: applied first, so releases and objects land in labelled namespaces. */
  readonly beforeReleases: KubernetesObject[];
  /** Objects with {@link OWN_MANIFEST_ANNOTATION}, by its value: applied after the releases, before the chunks. */
  readonly ownManifests: ReadonlyMap<string, KubernetesObject[]>;
  /** Everything else, in the given order, applied once every Helm release is installed. */
  readonly afterReleases: KubernetesObject[];
}

export function applyPhases(objects: readonly KubernetesObject[]): ApplyPhases {
  const isNamespace = (o: KubernetesObject) => o.apiVersion === 'v1' && o.kind === 'Namespace';
  const ownManifests = new Map<string, KubernetesObject[]>();
  const afterReleases: KubernetesObject[] = [];
  for (const object of objects) {
    if (isNamespace(object)) continue;
    const own = object.metadata.annotations?.[OWN_MANIFEST_ANNOTATION];
    if (own === undefined) afterReleases.push(object);
    else ownManifests.set(own, [...(ownManifests.get(own) ?? []), object]);
  }
  for (const [name, own] of ownManifests) {
    if (manifestChunks(own).length > 1) {
      throw new Error(`the objects of own manifest "${name}" do not fit one manifest chunk: split them into two`);
    }
  }
  return { beforeReleases: objects.filter(isNamespace), ownManifests, afterReleases };
}

/**
 * Splits objects into consecutive chunks of at most `maxObjects` objects and `maxBytes` of JSON, keeping their
 * order. An object larger than `maxBytes` on its own is an error (it would fail at deploy time instead).
 */
export function manifestChunks(
  objects: readonly KubernetesObject[],
  limits: { readonly maxBytes?: number; readonly maxObjects?: number } = {},
): KubernetesObject[][] {
  const maxBytes = limits.maxBytes ?? MAX_CHUNK_BYTES;
  const maxObjects = limits.maxObjects ?? MAX_CHUNK_OBJECTS;
  if (maxObjects < 1) throw new Error(`maxObjects must be at least 1, got ${maxObjects}`);
  const chunks: KubernetesObject[][] = [];
  let current: KubernetesObject[] = [];
  let currentBytes = 0;
  for (const object of objects) {
    const bytes = Buffer.byteLength(JSON.stringify(object), 'utf8');
    if (bytes > maxBytes) {
      const where = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
      throw new Error(
        `${object.kind} ${where}${object.metadata.name} is ${bytes} bytes of JSON, more than one manifest chunk (${maxBytes}); split it or move it into a Helm release`,
      );
    }
    if (current.length > 0 && (current.length >= maxObjects || currentBytes + bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(object);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
