import { Duration } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks';
import { Construct, type IDependable } from 'constructs';
import type { HelmRelease, KubernetesObject } from '../k8s/types';
import { applyPhases, manifestChunks } from '../platform/apply-plan';

/** helm runs inside the kubectl handler Lambda (15-minute limit): leave room for the chart pull and kubectl. */
export const HELM_TIMEOUT = Duration.minutes(10);

export interface ClusterWorkloadsProps {
  readonly cluster: eks.Cluster;
  /** Cluster-scoped objects without CRDs (StorageClass), applied with the namespaces before any release. */
  readonly baseObjects: readonly KubernetesObject[];
  /** Add-on releases (load balancer controller, ExternalDNS, ESO, cert-manager): installed first. */
  readonly addonReleases: readonly HelmRelease[];
  /** Objects of the add-ons' CRDs (ClusterSecretStore, issuers): applied once the add-ons are installed. */
  readonly addonObjects: readonly KubernetesObject[];
  /** The workload releases (`helmReleases(config)`): installed after the add-ons. */
  readonly releases: readonly HelmRelease[];
  /** The workload objects (`kubernetesObjects(config)`), in apply order. */
  readonly objects: readonly KubernetesObject[];
  /**
   * The add-on release whose Service-mutating webhook every Service goes through (the AWS Load Balancer
   * Controller's `mservice.elbv2.k8s.aws`, failurePolicy Fail): installed and waited for before every other
   * release and object, so no Service is created while the webhook has no endpoints.
   */
  readonly serviceWebhookRelease?: string;
  /** What every release waits for (e.g. the node group its pods need). */
  readonly releasesDependOn?: readonly IDependable[];
}

/**
 * Applies the Kubernetes side in dependency order, each step a CloudFormation custom resource:
 *
 * 1. namespaces and base objects;
 * 2. add-on Helm releases (CRDs, webhooks, controllers), `wait`ed so their webhooks answer before anything else;
 *    the Service webhook's release (load balancer controller) first, then the others;
 * 3. add-on objects (need the add-on CRDs) and the workload Helm releases (need the load balancer webhook);
 * 4. every other workload object, in chunks (CRDs such as the prometheus-operator's come from the releases).
 */
export class ClusterWorkloads extends Construct {
  public readonly baseManifest: eks.KubernetesManifest;
  public readonly addonCharts: eks.HelmChart[];
  /** The release every other release and object waits for (see `serviceWebhookRelease`). */
  public readonly serviceWebhookChart?: eks.HelmChart;
  public readonly addonManifest?: eks.KubernetesManifest;
  public readonly charts: eks.HelmChart[];
  /** Objects whose number follows the configuration, each group in a manifest of its own (apply-plan.ts). */
  public readonly ownManifests: eks.KubernetesManifest[];
  public readonly manifests: eks.KubernetesManifest[];

  constructor(scope: Construct, id: string, props: ClusterWorkloadsProps) {
    super(scope, id);
    const { cluster } = props;
    const names = new Set<string>();
    for (const release of [...props.addonReleases, ...props.releases]) {
      if (names.has(release.release))
        throw new Error(`ClusterWorkloads ${id}: two Helm releases named "${release.release}"`);
      names.add(release.release);
    }

    const phases = applyPhases(props.objects);
    this.baseManifest = cluster.addManifest('Base', ...phases.beforeReleases, ...props.baseObjects);

    const chart = (release: HelmRelease) => {
      const helmChart = cluster.addHelmChart(release.release, {
        release: release.release,
        namespace: release.namespace,
        repository: release.repository,
        chart: release.chart,
        version: release.version,
        values: release.values as Record<string, unknown>,
        wait: true,
        timeout: HELM_TIMEOUT,
        createNamespace: true,
      });
      helmChart.node.addDependency(this.baseManifest, ...(props.releasesDependOn ?? []));
      return helmChart;
    };

    this.addonCharts = props.addonReleases.map(chart);
    const gateIndex = props.serviceWebhookRelease
      ? props.addonReleases.findIndex((r) => r.release === props.serviceWebhookRelease)
      : -1;
    if (props.serviceWebhookRelease && gateIndex < 0) {
      throw new Error(
        `ClusterWorkloads ${id}: serviceWebhookRelease "${props.serviceWebhookRelease}" is not one of the add-on releases`,
      );
    }
    const gate = this.addonCharts[gateIndex];
    if (gate) {
      this.serviceWebhookChart = gate;
      for (const other of this.addonCharts) if (other !== gate) other.node.addDependency(gate);
    }
    if (props.addonObjects.length > 0) {
      this.addonManifest = cluster.addManifest('AddonObjects', ...props.addonObjects);
      this.addonManifest.node.addDependency(...this.addonCharts);
    }
    this.charts = props.releases.map((release) => {
      const helmChart = chart(release);
      helmChart.node.addDependency(...this.addonCharts);
      return helmChart;
    });

    const afterReleases = (manifest: eks.KubernetesManifest) => {
      manifest.node.addDependency(...this.addonCharts, ...this.charts);
      if (this.addonManifest) manifest.node.addDependency(this.addonManifest);
      return manifest;
    };
    this.ownManifests = [...phases.ownManifests].map(([name, objects]) =>
      afterReleases(cluster.addManifest(`Own-${name}`, ...objects)),
    );
    // Each chunk after the own manifests and after the chunk before it. Kubernetes objects move between chunks when
    // an object before them is added or removed; each chunk prunes what it no longer lists. An object moving to an
    // earlier chunk (one removed before it) is applied there before the later chunk prunes it; one moving into an own
    // manifest likewise. (One moving to a later chunk, after an addition, can still be pruned and created again:
    // objects whose number changes belong in an own manifest.)
    let previous: eks.KubernetesManifest | undefined;
    this.manifests = manifestChunks(phases.afterReleases).map((objects, i) => {
      const manifest = afterReleases(cluster.addManifest(`Workloads${i}`, ...objects));
      manifest.node.addDependency(...this.ownManifests);
      if (previous) manifest.node.addDependency(previous);
      previous = manifest;
      return manifest;
    });
  }
}
