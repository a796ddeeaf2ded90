import { z } from 'zod';
import { grantProblem } from '../../lambdas/domain/job-grants';
import { MAX_PUSH_PAYLOAD_BYTES } from '../../lambdas/domain/push-limits';
import { READABLE_STORAGE_CLASSES, RESOLUTIONS, retentionPolicyProblems } from '../../lambdas/domain/retention';
import { COMPONENTS, sizingProblems } from '../../lambdas/domain/sizing';
import { isTimeZone } from '../../lambdas/domain/time-zone';
import { internalZoneName } from '../naming';

/** The environments this app deploys. `-c env=NAME` picks one; `dev` is the default. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export const DAYS_OF_WEEK = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

const list = (values: readonly (string | number)[]) => values.join(', ');

/** An enum whose error names the allowed values. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (issue) => `must be one of ${list(values)}, got ${JSON.stringify(issue.input)}` });
}

const integer = (min: number, max: number) =>
  z
    .number({ error: (issue) => `expected a number, got ${JSON.stringify(issue.input)}` })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const bool = z.boolean({ error: (issue) => `expected true or false, got ${JSON.stringify(issue.input)}` });

const text = (pattern: RegExp, description: string) =>
  z
    .string({ error: (issue) => `expected ${description}, got ${JSON.stringify(issue.input)}` })
    .regex(pattern, { error: (issue) => `expected ${description}, got ${JSON.stringify(issue.input)}` });

/** Turns a domain problem (`path.to.field: message`) into an issue on that field. */
function problemIssue(problem: string): { code: 'custom'; path: string[]; message: string } {
  const separator = problem.indexOf(': ');
  if (separator < 0) return { code: 'custom', path: [], message: problem };
  return { code: 'custom', path: problem.slice(0, separator).split('.'), message: problem.slice(separator + 2) };
}

const quantities = z.strictObject({ cpu: z.string(), memory: z.string() });
const componentSizing = z.strictObject({
  replicas: integer(1, 10),
  maxReplicas: integer(1, 10),
  resources: z.strictObject({ requests: quantities, limits: quantities }),
});

const retentionSchema = z
  .strictObject({
    resolutionDays: z.strictObject({ raw: integer(1, 3650), '5m': integer(1, 3650), '1h': integer(1, 3650) }),
    tiers: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          resolution: oneOf(RESOLUTIONS),
          fromDay: integer(0, 3650),
          untilDay: integer(1, 3650),
          storage: oneOf(['LOCAL_SSD', ...READABLE_STORAGE_CLASSES] as const),
        }),
      )
      .readonly(),
    deleteDelayHours: integer(1, 24 * 30),
    consistencyDelayMinutes: integer(0, 24 * 60),
    abortIncompleteMultipartUploadDays: integer(1, 365),
  })
  .superRefine((policy, ctx) => {
    for (const problem of retentionPolicyProblems(policy)) ctx.addIssue(problemIssue(problem));
  });

const sizingSchema = z
  .strictObject({
    components: z.strictObject(
      Object.fromEntries(COMPONENTS.map((c) => [c, componentSizing])) as Record<
        (typeof COMPONENTS)[number],
        typeof componentSizing
      >,
    ),
    prometheus: z.strictObject({
      scrapeInterval: z.string(),
      evaluationInterval: z.string(),
      retentionSize: z.string(),
      storage: z.string(),
    }),
    thanosStore: z.strictObject({
      indexCacheSize: z.string(),
      chunkCacheSize: z.string(),
      storage: z.string(),
      shards: integer(1, 10),
    }),
    thanosCompactor: z.strictObject({ ephemeralStorage: z.string() }),
    alertmanager: z.strictObject({ storage: z.string() }),
    pushgateway: z.strictObject({ storage: z.string() }),
    scaleTriggers: z.strictObject({
      prometheusSeriesPerReplica: integer(1, 100_000_000),
      thanosQueryQps: integer(1, 100_000),
      storeGatewayLatencySeconds: integer(1, 3600),
    }),
  })
  .superRefine((sizing, ctx) => {
    for (const problem of sizingProblems(sizing)) ctx.addIssue(problemIssue(problem));
  });

/** An IAM role name (no path: EKS access entries and the docs' commands name roles by `role/<name>`). */
const roleName = text(/^[\w+=,.@-]{1,64}$/, 'an IAM role name like "GreenLangPlatformAdmin" (no path)');

const ipv4Cidr = text(
  /^(?:[0-9]{1,3}\.){3}[0-9]{1,3}\/([0-9]|[12][0-9]|3[0-2])$/,
  'an IPv4 CIDR like "203.0.113.0/24"',
);

/**
 * Who may use the cluster and how they reach its API. EKS access entries give the named roles (in the deploy
 * account) cluster-wide admin or view rights; the way in is Session Manager port forwarding through a small
 * instance in the VPC and/or a public endpoint restricted to `publicEndpointCidrs`.
 */
const accessSchema = z.strictObject({
  /** Roles with AmazonEKSClusterAdminPolicy (cluster scope): the platform team. */
  adminRoleNames: z.array(roleName).min(1, { error: 'must name at least one admin role (nobody could run kubectl)' }),
  /** Roles with AmazonEKSViewPolicy (cluster scope): read-only, no Secrets. */
  readOnlyRoleNames: z.array(roleName),
  /** Run the Session Manager port-forwarding instance (private endpoint reachable without a VPN). */
  sessionManagerHost: bool,
  /** CIDRs allowed to the public API endpoint; empty keeps the endpoint private only. */
  publicEndpointCidrs: z.array(ipv4Cidr),
});

/**
 * The stateful node groups: one managed node group per availability zone (so an EBS volume's zone always has a
 * group the Cluster Autoscaler can grow), each `minPerZone`..`maxPerZone` nodes.
 */
const nodeGroupsSchema = z.strictObject({
  /** Instance types (same shape, so the autoscaler's simulation holds for each); the first is priced in docs. */
  instanceTypes: z.array(text(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type like "m6i.xlarge"')).min(1),
  minPerZone: integer(1, 10),
  maxPerZone: integer(1, 20),
  /** Encrypted gp3 root volume (images, logs; metrics live on their own EBS volumes). */
  rootVolumeGiB: integer(20, 500),
});

const schedule = z.strictObject({
  /** Day of week the job runs (EventBridge Scheduler, in `timezone`). */
  dayOfWeek: oneOf(DAYS_OF_WEEK),
  hour: integer(0, 23),
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timezone: z
    .string()
    .refine(isTimeZone, { error: (issue) => `not an IANA time zone: ${JSON.stringify(issue.input)}` }),
});

const cidr = text(/^(?:[0-9]{1,3}\.){3}[0-9]{1,3}\/([0-9]|[12][0-9]|3[0-2])$/, 'an IPv4 CIDR like "10.0.0.0/8"');

/**
 * Where Grafana keeps users, sessions, preferences and hand-made dashboards.
 * - `sqlite`: a file on a PersistentVolumeClaim: one replica only (the file is per pod). Cheap; a node or AZ loss
 *   means minutes of downtime until the pod (and its EBS volume, zonal) comes back.
 * - `postgres`: Amazon RDS for PostgreSQL shared by every replica (encrypted, in the VPC's private subnets,
 *   credentials generated into Secrets Manager and synced by External Secrets). Costs an instance; survives pods.
 */
const grafanaDatabaseSchema = z.discriminatedUnion(
  'engine',
  [
    z.strictObject({ engine: z.literal('sqlite'), storage: text(/^[0-9]+Gi$/, 'a volume size like "5Gi"') }),
    z.strictObject({
      engine: z.literal('postgres'),
      instanceType: text(/^[a-z][a-z0-9]*\.[a-z0-9]+$/, 'an instance type without "db.", like "t4g.small"'),
      allocatedStorageGiB: integer(20, 1000),
      /** A standby in a second AZ (fails over in 1–2 minutes). */
      multiAz: bool,
      backupRetentionDays: integer(1, 35),
      deletionProtection: bool,
    }),
  ],
  { error: (issue) => `grafana.database.engine must be "sqlite" or "postgres", got ${JSON.stringify(issue.input)}` },
);

const grafanaSchema = z.strictObject({
  /** The name people open (`https://<hostname>/`, also Grafana's root_url): in the private zone, where ExternalDNS publishes it. */
  hostname: text(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9-]+$/, 'a lowercase DNS name'),
  /**
   * The AWS Private CA that issues the load balancer's ACM certificate: a name in a private zone cannot be
   * validated by public ACM, and people's browsers trust the organisation's private CA. It also issues the
   * Pushgateway NLBs' certificate, and the push functions trust it (docs/deploy.md, "TLS"); an ECDSA CA (both
   * certificates are EC P-256).
   */
  certificateAuthorityArn: text(
    /^arn:aws[a-z-]*:acm-pca:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]:[0-9]{12}:certificate-authority\/[0-9a-f-]{36}$/,
    'an AWS Private CA ARN (arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>)',
  ),
  /** Networks people reach the internal load balancer from (VPN, Direct Connect). */
  allowedCidrs: z.array(cidr).min(1, { error: 'must list at least one CIDR' }),
  database: grafanaDatabaseSchema,
});

/**
 * The typed shape of one environment. Every value is checked when the app starts; a bad value stops synth with a
 * message that names the field and what it accepts.
 */
export const environmentConfigSchema = z
  .strictObject({
    name: oneOf(ENVIRONMENT_NAMES),
    /** AWS account id the environment deploys to. */
    account: text(/^[0-9]{12}$/, 'a 12-digit AWS account id'),
    region: text(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$/, 'an AWS region like "eu-west-1"'),
    /** Explicit availability zones (no lookups: synth runs offline). */
    availabilityZones: z
      .array(text(/^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$/, 'an availability zone like "eu-west-1a"'))
      .min(2, {
        error: 'must list at least 2 availability zones (EKS needs subnets in 2)',
      }),
    /** EKS cluster name; also the Prometheus `cluster` external label. Always `greenlang-<env>`. */
    clusterName: z.string(),
    vpcCidr: text(/^(?:[0-9]{1,3}\.){3}[0-9]{1,3}\/(1[6-9]|2[0-4])$/, 'an IPv4 CIDR between /16 and /24'),
    /** NAT gateways: 1 saves cost (dev), one per AZ survives an AZ outage (prod). */
    natGateways: integer(1, 6),
    /** What happens to buckets and keys when their stack is deleted. Prod must retain. */
    removalPolicy: oneOf(['retain', 'destroy']),
    logRetentionDays: z.union(
      LOG_RETENTION_DAYS.map((d) => z.literal(d)),
      { error: (issue) => `must be one of ${list(LOG_RETENTION_DAYS)}, got ${JSON.stringify(issue.input)}` },
    ),
    logLevel: oneOf(LOG_LEVELS),
    alerting: z.strictObject({
      /** Slack for warnings everywhere (seed: "Slack (all environments)"). */
      slack: z.strictObject({ enabled: bool, channel: text(/^#[a-z0-9._-]{1,80}$/, 'a Slack channel like "#alerts"') }),
      /** PagerDuty for critical alerts (seed: "PagerDuty (production critical)"). */
      pagerduty: z.strictObject({ enabled: bool }),
      /** Email through SNS: the weekly summary always, critical alerts when `criticalAlerts` is on. */
      email: z.strictObject({
        criticalAlerts: bool,
        recipients: z.array(z.email({ error: (issue) => `not an email address: ${JSON.stringify(issue.input)}` })),
      }),
    }),
    weeklySummary: schedule.extend({ enabled: bool }),
    capacityReport: schedule,
    /** The daily bucket audit runs at this hour (UTC). */
    audit: z.strictObject({ hourUtc: integer(0, 23) }),
    ingest: z.strictObject({
      /** JWT authorizer of the push API (seed: "API Gateway: JWT tokens for external access"). */
      jwtIssuer: z.url({
        protocol: /^https$/,
        error: (issue) => `expected an https URL, got ${JSON.stringify(issue.input)}`,
      }),
      jwtAudience: z.array(z.string().min(1)).min(1, { error: 'must list at least one audience' }),
      /**
       * A token must carry one of these in its `scope` (or `scp`) claim; empty: any token of the audience. API Gateway
       * recommends scopes: "There is no standard mechanism to differentiate JWT access tokens from other types of
       * JWTs, such as OpenID Connect ID tokens" ("Control access to HTTP APIs with JWT authorizers").
       */
      jwtScopes: z.array(
        text(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token (printable, no space, quote or backslash)'),
      ),
      /**
       * Largest push body accepted, in bytes. At most MAX_PUSH_PAYLOAD_BYTES (4,475,424): a binary body reaches the
       * function base64-encoded inside Lambda's 6 MB synchronous payload (push-limits.ts).
       */
      /**
       * Which clients may push to which jobs: the token's client (`client_id`, else `cid`, else `azp`: job-grants.ts
       * `clientOf`) → job names or prefixes ending in `*`. Empty: any client of the audience, any job. A push
       * to a job its client is not granted is answered 403 (domain/job-grants.ts).
       */
      jobGrants: z.record(z.string(), z.array(z.string())).superRefine((grants, ctx) => {
        for (const [client, patterns] of Object.entries(grants)) {
          const problem = grantProblem(client, patterns);
          if (problem) ctx.addIssue({ code: 'custom', path: [client], message: problem });
        }
      }),
      maxPayloadBytes: integer(1024, MAX_PUSH_PAYLOAD_BYTES),
      throttle: z.strictObject({ rateLimit: integer(1, 10_000), burstLimit: integer(1, 5_000) }),
    }),
    /** Where docs/runbooks/ is published: every alert's `runbook_url` is `<runbookBaseUrl>/<page>.md#<alert>`. */
    runbookBaseUrl: z.url({
      protocol: /^https$/,
      error: (issue) => `expected an https URL, got ${JSON.stringify(issue.input)}`,
    }),
    retention: retentionSchema,
    sizing: sizingSchema,
    access: accessSchema,
    nodeGroups: nodeGroupsSchema,
    grafana: grafanaSchema,
  })
  .superRefine((config, ctx) => {
    const expectedCluster = `greenlang-${config.name}`;
    if (config.clusterName !== expectedCluster) {
      ctx.addIssue({
        code: 'custom',
        path: ['clusterName'],
        message: `must be "${expectedCluster}", got "${config.clusterName}"`,
      });
    }
    config.availabilityZones.forEach((zone, i) => {
      if (!zone.startsWith(config.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['availabilityZones', i],
          message: `"${zone}" is not in region ${config.region}`,
        });
      }
    });
    if (new Set(config.availabilityZones).size !== config.availabilityZones.length) {
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: 'must not repeat a zone' });
    }
    if (config.natGateways > config.availabilityZones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['natGateways'],
        message: `must be at most the number of availability zones (${config.availabilityZones.length})`,
      });
    }
    if (config.nodeGroups.maxPerZone < config.nodeGroups.minPerZone) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodeGroups', 'maxPerZone'],
        message: `must be at least minPerZone (${config.nodeGroups.minPerZone})`,
      });
    }
    if (!config.access.sessionManagerHost && config.access.publicEndpointCidrs.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['access'],
        message: 'no way in: turn sessionManagerHost on or list publicEndpointCidrs (the API endpoint is private)',
      });
    }
    config.access.publicEndpointCidrs.forEach((cidr, i) => {
      if (cidr.endsWith('/0')) {
        ctx.addIssue({
          code: 'custom',
          path: ['access', 'publicEndpointCidrs', i],
          message: `"${cidr}" opens the API endpoint to the internet: list your office or VPN ranges`,
        });
      }
    });
    if (config.name === 'prod' && config.removalPolicy !== 'retain') {
      ctx.addIssue({
        code: 'custom',
        path: ['removalPolicy'],
        message: 'prod must be "retain": two years of metrics must survive a stack deletion',
      });
    }
    if (config.alerting.email.criticalAlerts && config.alerting.email.recipients.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'email', 'recipients'],
        message: 'criticalAlerts needs at least one recipient',
      });
    }
    const zone = internalZoneName(config.name);
    if (!config.grafana.hostname.endsWith(`.${zone}`)) {
      ctx.addIssue({
        code: 'custom',
        path: ['grafana', 'hostname'],
        message: `must be in the private zone ${zone} (ExternalDNS publishes there only), got "${config.grafana.hostname}"`,
      });
    }
    const grafanaReplicas = config.sizing.components.grafana;
    if (config.grafana.database.engine === 'sqlite' && grafanaReplicas.maxReplicas > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['sizing', 'components', 'grafana', 'maxReplicas'],
        message: `sqlite is one file per pod: run 1 Grafana replica or use grafana.database.engine "postgres", got ${grafanaReplicas.maxReplicas}`,
      });
    }
    if (config.name !== 'dev' && config.grafana.database.engine !== 'postgres') {
      ctx.addIssue({
        code: 'custom',
        path: ['grafana', 'database', 'engine'],
        message: `${config.name} must use "postgres": users, sessions and dashboards must survive a pod and be shared by the replicas`,
      });
    }
    if (config.weeklySummary.enabled && config.alerting.email.recipients.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'email', 'recipients'],
        message: 'the weekly summary needs at least one recipient',
      });
    }
  });

/** One environment's configuration, as validated. */
export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;
/** What an environment file provides (before validation). */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;
