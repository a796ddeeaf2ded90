import type { EnvironmentConfig } from '../config';
import { monitoringNamespace } from './namespace';
import type { HelmRelease, KubernetesObject } from './types';

/**
 * Every Kubernetes object the platform stack applies (with addManifest), in apply order. Pure: the stack and
 * `npm run render` both call it.
 */
export function kubernetesObjects(_config: EnvironmentConfig): KubernetesObject[] {
  return [monitoringNamespace()];
}

/** Every Helm release the platform stack installs (with addHelmChart). */
export function helmReleases(_config: EnvironmentConfig): HelmRelease[] {
  return [];
}

export type { HelmRelease, KubernetesObject } from './types';
