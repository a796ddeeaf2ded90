/** A Kubernetes object as applied (apiVersion, kind, metadata.name at least). */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** A Helm release the platform installs: chart coordinates (pinned) and values. */
export interface HelmRelease {
  readonly release: string;
  readonly namespace: string;
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  readonly values: Readonly<Record<string, unknown>>;
}
