import { loadEnvironmentConfig } from '../../../lib/config';
import { ADDON_CHARTS, platformAddonReleases } from '../../../lib/platform/addons';
import { platformKubernetesObjects } from '../../../lib/platform/objects';
import { renderPlan } from '../../../lib/render/plan';

describe('render shows what the platform stack applies', () => {
  const config = loadEnvironmentConfig('prod');
  const files = renderPlan(config);
  const file = (path: string) => files.find((f) => f.path === path);

  it.each(Object.values(ADDON_CHARTS))('writes the $release add-on values and chart coordinates', (chart) => {
    expect(file(`helm/${chart.release}/chart.yaml`)?.documents).toEqual([chart]);
    const release = platformAddonReleases(config).find((r) => r.release === chart.release);
    expect(file(`helm/${chart.release}/values.yaml`)?.documents).toEqual([release?.values]);
  });

  it('writes every platform object', () => {
    const written = files.flatMap((f) => (f.path.startsWith('kubernetes/') ? f.documents : []));
    for (const object of platformKubernetesObjects(config)) expect(written).toContainEqual(object);
  });
});
