/**
 * Every image and chart the platform runs, pinned in ONE place (no `latest`, no Bitnami images: upstream
 * registries only). Bump here; the builders, render and the stacks read these.
 */
export const IMAGES = {
  /** Thanos: sidecar, query, query-frontend, store gateway, ruler and compactor (upstream, thanos#8381). */
  thanos: 'quay.io/thanos/thanos:v0.39.2',
  prometheus: 'quay.io/prometheus/prometheus:v3.5.0',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.28.1',
  pushgateway: 'quay.io/prometheus/pushgateway:v1.11.1',
  grafana: 'docker.io/grafana/grafana:12.1.1',
  /**
   * Runs the compactor wrapper script (POSIX sh + curl to PUT to the Pushgateway; busybox wget cannot PUT). The
   * curl project's own registry (quay.io/curl/curl, the same images as docker.io/curlimages/curl): the hourly
   * Fargate pull (no image cache on Fargate) never meets Docker Hub's anonymous pull limit.
   */
  curl: 'quay.io/curl/curl:8.16.0',
} as const;

/**
 * The kube-prometheus-stack CRD upgrade Job's images (registry/repository/tag as the chart's values take them):
 * busybox from the Docker official-images mirror on ECR Public instead of Docker Hub; kubectl pinned to the
 * control plane's minor (the chart would default to the cluster's full version string, e.g. `v1.35.x-eks-…`, which
 * registry.k8s.io does not publish).
 */
export const CRD_UPGRADE_IMAGES = {
  busybox: { registry: 'public.ecr.aws', repository: 'docker/library/busybox', tag: '1.37.0' },
  kubectl: { registry: 'registry.k8s.io', repository: 'kubectl', tag: 'v1.35.0' },
} as const;

/** Helm charts (repository, chart, version). */
export const CHARTS = {
  /** Only the prometheus-operator and its CRDs are kept (the CRDs are too large for client-side apply). */
  kubePrometheusStack: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '79.5.0',
  },
  /** Serves the custom metrics API the Thanos Query HPA scales on (the seed's QPS trigger). */
  prometheusAdapter: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'prometheus-adapter',
    version: '5.2.0',
  },
  /** node-exporter DaemonSet on the EC2 nodes (chart 4.45.3 ships node_exporter 1.9.1). */
  nodeExporter: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'prometheus-node-exporter',
    version: '4.45.3',
  },
  /**
   * kube-state-metrics as its own release (the operator chart's bundled one is off). 5.28.0 is in the range
   * kube-prometheus-stack 67.8.0 depended on (5.28.*); the keys set here were read in the chart's templates
   * (FACTS.md, "kube-state-metrics `--tls-config`"). The operator chart's own dependency range does not apply:
   * its values set `kubeStateMetrics.enabled: false`.
   */
  kubeStateMetrics: {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-state-metrics',
    version: '5.28.0',
  },
} as const;

/** The tag of an image reference (`quay.io/thanos/thanos:v0.39.2` → `v0.39.2`). */
export function imageTag(image: string): string {
  const tag = image.slice(image.lastIndexOf(':') + 1);
  if (tag.includes('/')) throw new Error(`image "${image}" has no tag: pin a version`);
  return tag;
}
