import fc from 'fast-check';
import type { KubernetesObject } from '../../../lib/k8s/types';
import {
  applyPhases,
  MAX_CHUNK_BYTES,
  MAX_CHUNK_OBJECTS,
  manifestChunks,
  OWN_MANIFEST_ANNOTATION,
} from '../../../lib/platform/apply-plan';

const configMap = (name: string, size = 0): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'monitoring' },
  data: { payload: 'x'.repeat(size) },
});
const bytes = (o: KubernetesObject) => Buffer.byteLength(JSON.stringify(o), 'utf8');

describe('applyPhases', () => {
  it('applies namespaces before the releases and everything else after, keeping the order', () => {
    const namespace: KubernetesObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'monitoring' } };
    const monitor: KubernetesObject = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'api', namespace: 'monitoring' },
    };
    const a = configMap('a');
    const b = configMap('b');
    expect(applyPhases([a, namespace, monitor, b])).toEqual({
      beforeReleases: [namespace],
      ownManifests: new Map(),
      afterReleases: [a, monitor, b],
    });
  });

  it('groups objects annotated with an own manifest by its name, in order, out of the chunks', () => {
    const own = (name: string, group: string): KubernetesObject => ({
      ...configMap(name),
      metadata: { name, namespace: 'monitoring', annotations: { [OWN_MANIFEST_ANNOTATION]: group } },
    });
    const [a, b] = [configMap('a'), configMap('b')];
    const [s0, s1, x] = [own('s0', 'stores'), own('s1', 'stores'), own('x', 'other')];
    const phases = applyPhases([a, s0, b, x, s1]);
    expect(phases.afterReleases).toEqual([a, b]);
    expect([...phases.ownManifests]).toEqual([
      ['stores', [s0, s1]],
      ['other', [x]],
    ]);
    const many = Array.from({ length: MAX_CHUNK_OBJECTS + 1 }, (_, i) => own(`s${i}`, 'stores'));
    expect(() => applyPhases(many)).toThrow('the objects of own manifest "stores" do not fit one manifest chunk');
  });

  it('does not take a custom resource of kind Namespace for a namespace', () => {
    const fake: KubernetesObject = { apiVersion: 'example.com/v1', kind: 'Namespace', metadata: { name: 'x' } };
    expect(applyPhases([fake]).afterReleases).toEqual([fake]);
  });
});

describe('manifestChunks', () => {
  it('returns no chunk for no objects', () => {
    expect(manifestChunks([])).toEqual([]);
  });

  it('starts a new chunk when the object count limit is reached', () => {
    const objects = ['a', 'b', 'c', 'd', 'e'].map((n) => configMap(n));
    expect(manifestChunks(objects, { maxObjects: 2 }).map((c) => c.map((o) => o.metadata.name))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e'],
    ]);
  });

  it('starts a new chunk when the next object would exceed the byte budget', () => {
    const objects = [configMap('a', 400), configMap('b', 400), configMap('c', 10)];
    const budget = bytes(objects[0] as KubernetesObject) + bytes(objects[2] as KubernetesObject);
    expect(manifestChunks(objects, { maxBytes: budget }).map((c) => c.map((o) => o.metadata.name))).toEqual([
      ['a'],
      ['b', 'c'],
    ]);
  });

  it('names an object too large for any chunk', () => {
    expect(() => manifestChunks([configMap('dashboards', 2000)], { maxBytes: 1000 })).toThrow(
      /^ConfigMap monitoring\/dashboards is \d+ bytes of JSON, more than one manifest chunk \(1000\)/,
    );
  });

  it('rejects a chunk size below one object', () => {
    expect(() => manifestChunks([configMap('a')], { maxObjects: 0 })).toThrow('maxObjects must be at least 1, got 0');
  });

  it('keeps every object exactly once, in order, within both limits (any input)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 3000 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 30 }),
        (sizes, maxObjects) => {
          const objects = sizes.map((size, i) => configMap(`o${i}`, size));
          const maxBytes = 4000;
          const chunks = manifestChunks(objects, { maxBytes, maxObjects });
          expect(chunks.flat()).toEqual(objects);
          for (const chunk of chunks) {
            expect(chunk.length).toBeGreaterThan(0);
            expect(chunk.length).toBeLessThanOrEqual(maxObjects);
            expect(chunk.reduce((sum, o) => sum + bytes(o), 0)).toBeLessThanOrEqual(maxBytes);
          }
        },
      ),
    );
  });

  it('defaults to chunks well under what one kubectl custom resource carries', () => {
    expect(MAX_CHUNK_BYTES).toBeLessThanOrEqual(64 * 1024);
    expect(manifestChunks(Array.from({ length: MAX_CHUNK_OBJECTS + 1 }, (_, i) => configMap(`o${i}`)))).toHaveLength(2);
  });
});
