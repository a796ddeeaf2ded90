import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { SEED_SIZING } from '../../../lambdas/domain/sizing';
import type { EnvironmentConfigInput } from '../schema';

/** Development: one NAT gateway, buckets destroyed with the stack, Slack only. */
export const dev: EnvironmentConfigInput = {
  name: 'dev',
  // Placeholder: `-c account=` or CDK_DEFAULT_ACCOUNT replaces it (docs/deploy.md).
  account: '111111111111',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  clusterName: 'greenlang-dev',
  vpcCidr: '10.10.0.0/16',
  natGateways: 1,
  removalPolicy: 'destroy',
  logRetentionDays: 14,
  logLevel: 'DEBUG',
  alerting: {
    slack: { enabled: true, channel: '#greenlang-alerts-dev' },
    pagerduty: { enabled: false },
    email: { criticalAlerts: false, recipients: ['platform-team@greenlang.example'] },
  },
  weeklySummary: { enabled: true, dayOfWeek: 'MON', hour: 8, timezone: 'Europe/Berlin' },
  capacityReport: { dayOfWeek: 'MON', hour: 6, timezone: 'Europe/Berlin' },
  audit: { hourUtc: 5 },
  ingest: {
    jwtIssuer: 'https://auth.greenlang.example/realms/dev',
    jwtAudience: ['greenlang-push'],
    jwtScopes: ['greenlang/push'],
    jobGrants: {},
    maxPayloadBytes: 4 * 1024 * 1024,
    throttle: { rateLimit: 50, burstLimit: 100 },
  },
  runbookBaseUrl: 'https://github.com/greenlang/greenlang-observability/blob/main/docs/runbooks',
  grafana: {
    hostname: 'grafana.monitoring.greenlang-dev.internal',
    certificateAuthorityArn:
      'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/00000000-0000-4000-8000-000000000001',
    allowedCidrs: ['10.0.0.0/8'],
    database: { engine: 'sqlite', storage: '5Gi' },
  },
  retention: SEED_RETENTION_POLICY,
  // One Grafana replica: its sqlite file lives on one PVC (grafana.database).
  sizing: {
    ...SEED_SIZING,
    components: {
      ...SEED_SIZING.components,
      grafana: { ...SEED_SIZING.components.grafana, replicas: 1, maxReplicas: 1 },
    },
  },
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
