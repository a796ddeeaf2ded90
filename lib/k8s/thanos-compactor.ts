import { type CompactorScratchPlan, compactorScratchPlan } from '../../lambdas/domain/compactor-scratch';
import { compactorRetentionArgs } from '../../lambdas/domain/retention';
import { durationSeconds, parseQuantity } from '../../lambdas/domain/sizing';
import type { EnvironmentConfig } from '../config';
import { COMPACTOR_POD_LABELS, SERVICE_ACCOUNTS } from '../naming';
import { CONTAINER_SECURITY_CONTEXT, irsaServiceAccount, PORTS, thanosLabels } from './common';
import { compactorRunScript } from './compactor-script';
import { MONITORING_NAMESPACE } from './namespace';
import { OBJSTORE_FILE, OBJSTORE_VOLUME, OBJSTORE_VOLUME_MOUNT } from './objstore';
import { pushgatewayPodUrls } from './pushgateway';
import {
  PUSHGATEWAY_AUTH_DIR,
  PUSHGATEWAY_AUTH_SECRET,
  PUSHGATEWAY_AUTHORIZATION_HEADER_FILE,
} from './pushgateway-auth';
import type { KubernetesObject } from './types';
import { IMAGES } from './versions';

export const THANOS_COMPACTOR = 'thanos-compactor';
/** Hourly, off the hour; concurrencyPolicy Forbid keeps the compactor a singleton (the bucket has no lock). */
export const COMPACTOR_SCHEDULE = '17 * * * *';
const DATA_DIR = '/var/thanos/compact';
const BIN_DIR = '/opt/thanos/bin';

/**
 * The scratch space plan of the compactor (lambdas/domain/compactor-scratch.ts): ~2× the 14-day source blocks of one
 * stream, which must fit the pod's ephemeral storage. Config validation already refused sizings where they do not,
 * so this only throws for a config that skipped validation.
 */
export function compactorScratch(config: Pick<EnvironmentConfig, 'sizing'>): CompactorScratchPlan {
  const { sizing } = config;
  const availableBytes = parseQuantity(sizing.thanosCompactor.ephemeralStorage);
  const scrapeIntervalSeconds = durationSeconds(sizing.prometheus.scrapeInterval);
  if (availableBytes === undefined || scrapeIntervalSeconds === undefined) {
    throw new Error('thanosCompactor.ephemeralStorage / prometheus.scrapeInterval: invalid, validate the config');
  }
  return compactorScratchPlan({
    seriesPerReplica: sizing.scaleTriggers.prometheusSeriesPerReplica,
    scrapeIntervalSeconds,
    availableBytes,
  });
}

/**
 * One compaction run: NO `--wait` (job mode: run once, exit non-zero with the run's error, which the wrapper
 * classifies), retention from the retention table (the same one the bucket lifecycle is derived from),
 * downsampling on (the default: `--downsampling.disable` is never set), delete-delay from the table (48h), and
 * Thanos' default 14-day top level (never `--debug.max-compaction-level`: the 1h tier needs 5m blocks of 10 days).
 */
export function thanosCompactArgs(config: Pick<EnvironmentConfig, 'retention' | 'sizing'>): string[] {
  // Throws for a sizing whose scratch cannot hold the 14-day blocks (config validation refuses it first).
  compactorScratch(config);
  return [
    'compact',
    '--log.format=json',
    `--data-dir=${DATA_DIR}`,
    `--objstore.config-file=${OBJSTORE_FILE}`,
    // Loopback only: nothing connects to the compactor's HTTP port (a CronJob on Fargate is not scraped; the run's
    // result is pushed to the Pushgateways), and Fargate pods are outside the NetworkPolicies. No listener on the
    // network instead of a TLS one.
    `--http-address=127.0.0.1:${PORTS.thanosHttp}`,
    ...compactorRetentionArgs(config.retention),
    '--compact.concurrency=1',
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
    authorizationHeaderFile: PUSHGATEWAY_AUTHORIZATION_HEADER_FILE,
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
                    resources: { requests: main, limits: main },
                    securityContext: CONTAINER_SECURITY_CONTEXT,
                    volumeMounts: [
                      { name: 'bin', mountPath: BIN_DIR, readOnly: true },
                      { name: 'data', mountPath: DATA_DIR },
                      { name: 'tmp', mountPath: '/tmp' },
                      { ...OBJSTORE_VOLUME_MOUNT },
                      { name: 'pushgateway-auth', mountPath: PUSHGATEWAY_AUTH_DIR, readOnly: true },
                    ],
                  },
                ],
                // emptyDirs live in the Fargate pod's ephemeral storage (no EBS on Fargate).
                volumes: [
                  { name: 'bin', emptyDir: { sizeLimit: '512Mi' } },
                  { name: 'data', emptyDir: {} },
                  { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
                  OBJSTORE_VOLUME,
                  { name: 'pushgateway-auth', secret: { secretName: PUSHGATEWAY_AUTH_SECRET, defaultMode: 0o440 } },
                ],
              },
            },
          },
        },
      },
    },
  ];
}
