import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { SEED_SIZING } from '../../../lambdas/domain/sizing';
import type { EnvironmentConfigInput } from '../schema';

/** Staging: production's shape without PagerDuty; buckets retained. */
export const staging: EnvironmentConfigInput = {
  name: 'staging',
  // Placeholder: `-c account=` or CDK_DEFAULT_ACCOUNT replaces it (docs/deploy.md).
  account: '222222222222',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  clusterName: 'greenlang-staging',
  vpcCidr: '10.20.0.0/16',
  natGateways: 1,
  removalPolicy: 'retain',
  logRetentionDays: 30,
  logLevel: 'INFO',
  alerting: {
    slack: { enabled: true, channel: '#greenlang-alerts-staging' },
    pagerduty: { enabled: false },
    email: { criticalAlerts: false, recipients: ['platform-team@greenlang.example'] },
  },
  weeklySummary: { enabled: true, dayOfWeek: 'MON', hour: 8, timezone: 'Europe/Berlin' },
  capacityReport: { dayOfWeek: 'MON', hour: 6, timezone: 'Europe/Berlin' },
  audit: { hourUtc: 5 },
  ingest: {
    jwtIssuer: 'https://auth.greenlang.example/realms/staging',
    jwtAudience: ['greenlang-push'],
    jwtScopes: ['greenlang/push'],
    jobGrants: {},
    maxPayloadBytes: 4 * 1024 * 1024,
    throttle: { rateLimit: 100, burstLimit: 200 },
  },
  runbookBaseUrl: 'https://github.com/greenlang/greenlang-observability/blob/main/docs/runbooks',
  grafana: {
    hostname: 'grafana.monitoring.greenlang-staging.internal',
    certificateAuthorityArn:
      'arn:aws:acm-pca:eu-west-1:222222222222:certificate-authority/00000000-0000-4000-8000-000000000002',
    allowedCidrs: ['10.0.0.0/8'],
    database: {
      engine: 'postgres',
      instanceType: 't4g.small',
      allocatedStorageGiB: 20,
      multiAz: false,
      backupRetentionDays: 7,
      deletionProtection: false,
    },
  },
  retention: SEED_RETENTION_POLICY,
  sizing: SEED_SIZING,
  access: {
    // IAM roles (by name, no path) in the deploy account, created outside this app: docs/deploy.md "Access".
    adminRoleNames: ['GreenLangPlatformAdmin'],
    readOnlyRoleNames: ['GreenLangReadOnly'],
    sessionManagerHost: true,
    publicEndpointCidrs: [],
  },
  // One group per zone: 3 nodes at rest (the seed sizing fits 2 after losing one), up to 2 per zone.
  nodeGroups: { instanceTypes: ['m6i.xlarge', 'm7i.xlarge'], minPerZone: 1, maxPerZone: 2, rootVolumeGiB: 50 },
};
