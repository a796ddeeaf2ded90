import { compactorRetentionArgs } from '../../lambdas/domain/retention';
import type { EnvironmentConfig } from '../config';
import { COMPACTOR_POD_LABELS, SERVICE_ACCOUNTS } from '../naming';
import { CONTAINER_SECURITY_CONTEXT, irsaServiceAccount, PORTS, thanosLabels } from './common';
import { compactorRunScript } from './compactor-script';
import { MONITORING_NAMESPACE } from './namespace';
import { OBJSTORE_FILE, OBJSTORE_VOLUME, OBJSTORE_VOLUME_MOUNT } from './objstore';
import { pushgatewayPodUrls } from './pushgateway';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const THANOS_COMPACTOR = 'thanos-compactor';
/** Hourly, off the hour; concurrencyPolicy Forbid keeps the compactor a singleton (the bucket has no lock). */
export const COMPACTOR_SCHEDULE = '17 * * * *';
const DATA_DIR = '/var/thanos/compact';
const BIN_DIR = '/opt/thanos/bin';

/**
 * One compaction run: NO `--wait` (job mode: run once, exit), retention from the retention table (the same one
 * the bucket lifecycle is derived from), downsampling on (the default: `--downsampling.disable` is never set),
 * delete-delay from the table (48h). `--no-debug.halt-on-error`: in job mode Thanos' halt would otherwise block
 * forever after "critical error detected; halting"; this way it exits non-zero and the wrapper reports halted=1.
 */
export function thanosCompactArgs(config: Pick<EnvironmentConfig, 'retention'>): string[] {
  return [
    'compact',
    '--log.format=json',
    `--data-dir=${DATA_DIR}`,
    `--objstore.config-file=${OBJSTORE_FILE}`,
    `--http-address=0.0.0.0:${PORTS.thanosHttp}`,
    ...compactorRetentionArgs(config.retention),
    '--compact.concurrency=1',
    '--no-debug.halt-on-error',
  ];
}

/**
 * The compactor: a CronJob whose pods carry EXACTLY {@link COMPACTOR_POD_LABELS}, the Fargate profile's selector.
 * Fargate rules: requests equal limits, ephemeral storage instead of an EBS PVC, no privileged anything,
 * ttlSecondsAfterFinished for finished Jobs, IRSA (Pod Identity does not work on Fargate).
 *
 * An init container copies the static `thanos` binary out of the upstream image; the main container (curl image:
 * POSIX sh + curl) runs the generated wrapper, which pushes the result to every Pushgateway replica.
 */
export function thanosCompactorObjects(config: EnvironmentConfig): KubernetesObject[] {
  const labels = thanosLabels(THANOS_COMPACTOR, 'compactor');
  const { resources } = config.sizing.components.thanosCompactor;
  const ephemeral = config.sizing.thanosCompactor.ephemeralStorage;
  const script = compactorRunScript({
    pushgatewayUrls: pushgatewayPodUrls(config),
    thanosArgs: thanosCompactArgs(config),
  });
  const small = { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '1Gi' };
  const main = { cpu: resources.limits.cpu, memory: resources.limits.memory, 'ephemeral-storage': ephemeral };
  return [
    irsaServiceAccount(config, 'thanosCompactor', SERVICE_ACCOUNTS.thanosCompactor, labels),
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: THANOS_COMPACTOR, namespace: MONITORING_NAMESPACE, labels },
      spec: {
        schedule: COMPACTOR_SCHEDULE,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 1800,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            // No retries inside a run: the next scheduled run retries, and a halt needs a human.
            backoffLimit: 0,
            ttlSecondsAfterFinished: 86_400,
            activeDeadlineSeconds: 12 * 3600,
            template: {
              metadata: { labels: { ...COMPACTOR_POD_LABELS } },
              spec: {
                serviceAccountName: SERVICE_ACCOUNTS.thanosCompactor,
                restartPolicy: 'Never',
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 65534,
                  runAsGroup: 65534,
                  fsGroup: 65534,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                initContainers: [
                  {
                    name: 'thanos-binary',
                    image: IMAGES.thanos,
                    command: ['/bin/cp', '/bin/thanos', `${BIN_DIR}/thanos`],
                    resources: { requests: small, limits: small },
                    securityContext: CONTAINER_SECURITY_CONTEXT,
                    volumeMounts: [{ name: 'bin', mountPath: BIN_DIR }],
                  },
                ],
                containers: [
                  {
                    name: 'compactor',
                    image: IMAGES.curl,
                    command: ['/bin/sh', '-c', script, 'compactor-run'],
                    env: [
                      {
                        name: 'PATH',
                        value: `${BIN_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
                      },
                      { name: 'TMPDIR', value: '/tmp' },
                    ],
                    ports: [{ name: 'http', containerPort: PORTS.thanosHttp, protocol: 'TCP' }],
                    resources: { requests: main, limits: main },
                    securityContext: CONTAINER_SECURITY_CONTEXT,
                    volumeMounts: [
                      { name: 'bin', mountPath: BIN_DIR, readOnly: true },
                      { name: 'data', mountPath: DATA_DIR },
                      { name: 'tmp', mountPath: '/tmp' },
                      { ...OBJSTORE_VOLUME_MOUNT },
                    ],
                  },
                ],
                // emptyDirs live in the Fargate pod's ephemeral storage (no EBS on Fargate).
                volumes: [
                  { name: 'bin', emptyDir: { sizeLimit: '512Mi' } },
                  { name: 'data', emptyDir: {} },
                  { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
                  OBJSTORE_VOLUME,
                ],
              },
            },
          },
        },
      },
    },
  ];
}
