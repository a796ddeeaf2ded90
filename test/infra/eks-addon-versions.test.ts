import { ENVIRONMENT_NAMES } from '../../lib/config';
import { KUBERNETES_VERSION } from '../../lib/constructs/observability-cluster';
import { CRD_UPGRADE_IMAGES } from '../../lib/k8s/versions';
import { ADDON_CHARTS, CLUSTER_AUTOSCALER_IMAGE, EKS_ADDON_VERSIONS } from '../../lib/platform/addons';
import { synthesizeEnvironment } from '../support/cdk';

/**
 * The EKS managed add-ons and the images that follow the Kubernetes minor are pinned for the version the cluster
 * runs (sources in lib/platform/addons.ts and docs/facts.md): moving the cluster's version without them fails here.
 */

const EKSBUILD = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;

describe('versions that follow the Kubernetes minor', () => {
  it('are pinned for the Kubernetes version of the cluster', () => {
    expect(EKS_ADDON_VERSIONS.kubernetesVersion).toBe(KUBERNETES_VERSION.version);
    // Cluster Autoscaler and kubectl: same minor as the control plane.
    expect(CLUSTER_AUTOSCALER_IMAGE.tag).toMatch(
      new RegExp(`^v${KUBERNETES_VERSION.version.replace('.', '\\.')}\\.\\d+$`),
    );
    expect(CRD_UPGRADE_IMAGES.kubectl.tag).toMatch(
      new RegExp(`^v${KUBERNETES_VERSION.version.replace('.', '\\.')}\\.\\d+$`),
    );
  });

  it('run the autoscaler from a chart whose ClusterRole lets it watch VolumeAttachments (chart >= 9.46.3)', () => {
    // The autoscaler >= 1.32 watches them; older charts do not grant it (kubernetes/autoscaler#7904).
    const rank = (version: string) => version.split('.').reduce((total, part) => total * 1000 + Number(part), 0);
    expect(rank(ADDON_CHARTS.clusterAutoscaler.version)).toBeGreaterThanOrEqual(rank('9.46.3'));
  });

  it('name EKS add-on builds (vX.Y.Z-eksbuild.N), not "latest"', () => {
    expect(EKS_ADDON_VERSIONS.vpcCni).toMatch(EKSBUILD);
    expect(EKS_ADDON_VERSIONS.ebsCsiDriver).toMatch(EKSBUILD);
  });
});

describe.each(ENVIRONMENT_NAMES)('EKS add-ons in %s', (env) => {
  const { stacks, template } = synthesizeEnvironment(env);
  const addons = Object.values(template(stacks.platform).findResources('AWS::EKS::Addon')) as {
    Properties: { AddonName: string; AddonVersion?: string };
  }[];

  it('installs vpc-cni and aws-ebs-csi-driver at their pinned versions, and no add-on unpinned', () => {
    const versions = Object.fromEntries(addons.map((a) => [a.Properties.AddonName, a.Properties.AddonVersion]));
    expect(versions).toEqual({
      'vpc-cni': EKS_ADDON_VERSIONS.vpcCni,
      'aws-ebs-csi-driver': EKS_ADDON_VERSIONS.ebsCsiDriver,
    });
  });
});
