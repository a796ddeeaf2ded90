import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { alertmanagerConfig } from '../alerting/alertmanager-config';
import { type EnvironmentConfig, type EnvironmentName, loadEnvironmentConfig } from '../config';
import { kubernetesObjects } from '../k8s';
import { PUSHGATEWAY_AUTH_KEYS, PUSHGATEWAY_AUTH_SECRET, PUSHGATEWAY_AUTH_USER } from '../k8s/pushgateway-auth';
import { ALERT_WEBHOOK_TOKEN_FILE } from '../naming';
import { type RuleGroup, ruleFiles } from '../rules';
import { type RunningComponent, startAlertmanager, startPrometheus, startPushgateway } from './components';
import { type LocalServiceProcess, startLocalService } from './local-service';
import {
  LOCAL_TARGET_BINARIES,
  type LocalTargets,
  localMonitorTargets,
  type Restartable,
  restartable,
  startLocalTargets,
} from './local-targets';
import { NotificationLog, type ReceivedNotification } from './notification-log';
import { type BinaryName, freePort, requireBinaries } from './processes';
import { S3RVER_CREDENTIALS, startS3StandIn } from './s3-standin';
import { type RecordedRequest, type SaasStandIn, startPagerDutyStandIn, startSlackStandIn } from './saas-standins';
import { localScrapeConfigs } from './scrape-config';
import { type PublishedMessage, type SnsStandIn, startSnsStandIn } from './sns-standin';

/** What `npm start` runs, and where. Written to `<workDir>/endpoints.json`. */
export interface LocalEndpoints {
  readonly env: EnvironmentName;
  readonly prometheus: string;
  /** Alertmanager replica 0 (the replicas form one gossip cluster, as in the cluster). */
  readonly alertmanager: string;
  readonly alertmanagers: readonly string[];
  /** The exporters the cluster scrapes, against a local PostgreSQL and Redis (data in `<workDir>/data`). */
  readonly exporters: { readonly postgres: string; readonly redis: string };
  readonly databases: { readonly postgres: string; readonly redis: string };
  /** The push ingestion (Pushgateway API, writes every replica). */
  readonly ingest: string;
  /** The alert fan-out (Alertmanager's webhook target: `<alerts>/alerts`). */
  readonly alerts: string;
  readonly pushgateways: readonly string[];
  /**
   * The one user the Pushgateways admit, as in the cluster (lib/k8s/pushgateway-auth.ts): a JSON file
   * `{"username", "password"}` (mode 0600), which the ingestion reads (`--pushgateway-auth-file`).
   */
  readonly pushgatewayAuth: string;
  /** The stand-ins for Slack, PagerDuty and SNS (email). */
  readonly sinks: { readonly slack: string; readonly pagerduty: string; readonly sns: string };
  /** An S3 stand-in (path-style, credentials `S3RVER`/`S3RVER`) with a seeded Thanos bucket and a reports bucket. */
  readonly s3: { readonly url: string; readonly thanosBucket: string; readonly reportsBucket: string };
  /** SNS topics the stand-in accepts: the weekly summary's and, when the config emails critical alerts, theirs. */
  readonly topics: { readonly summary: string; readonly criticalEmail?: string };
  /** `export AWS_...` lines pointing the AWS SDK at the stand-ins (`source` it before `npm run -s local`). */
  readonly awsEnv: string;
  readonly notifications: string;
}

export interface LocalStack {
  readonly endpoints: LocalEndpoints;
  readonly components: readonly (RunningComponent | LocalServiceProcess | Restartable)[];
  /** The scrape targets that can be stopped and started again on the same port (to watch their alerts). */
  readonly targets: LocalTargets;
  readonly pushgateways: readonly Restartable[];
  readonly notifications: NotificationLog;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Working folder for configs, data and the notification log (`.local/`). */
  readonly workDir: string;
  /** Whose rules and routes to run. @default 'dev' */
  readonly env?: EnvironmentName;
  /** Component log lines (prefixed with the component), for `--verbose`. */
  readonly onLog?: (line: string) => void;
  /** Each notification a sink receives, as a readable line. */
  readonly onNotification?: (line: string) => void;
  /**
   * Longest `for:` of any rule, so alerts fire within seconds instead of minutes on a laptop.
   * @default '10s'
   */
  readonly maxFor?: string;
}

/**
 * The Debian binaries the local loop runs, its targets' included (`npm start` checks them all before anything
 * starts, so a missing one is named up front, not after half the loop started).
 */
export const LOCAL_STACK_BINARIES: readonly BinaryName[] = [
  ...new Set<BinaryName>(['prometheus', 'alertmanager', 'pushgateway', ...LOCAL_TARGET_BINARIES]),
];

/** Scrape and evaluation interval of the local Prometheus (the cluster's is 15s). */
const LOCAL_INTERVAL = '2s';
/** A PagerDuty routing key is 32 characters; the stand-in checks it. */
const LOCAL_ROUTING_KEY = 'greenlanglocalroutingkey00000000';
/** SNS topic ARNs of the local loop (the stand-in accepts any; the account is a placeholder). */
const localTopicArn = (region: string, name: string) => `arn:aws:sns:${region}:000000000000:greenlang-local-${name}`;
const LOCAL_THANOS_BUCKET = 'greenlang-local-thanos';
const LOCAL_REPORTS_BUCKET = 'greenlang-local-reports';

const SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 } as const;

/** Seconds of a Prometheus duration (`90s`, `5m`, `1h30m`). */
export function durationSeconds(text: string): number {
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(value) * SECONDS[unit as keyof typeof SECONDS];
  }
  return total;
}

/** Rule groups with every `for:` capped at `maxFor` (the only change made to the rendered rules). */
export function capForDurations(groups: readonly RuleGroup[], maxFor: string): RuleGroup[] {
  const cap = durationSeconds(maxFor);
  return groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) =>
      'alert' in rule && rule.for !== undefined && durationSeconds(rule.for) > cap ? { ...rule, for: maxFor } : rule,
    ),
  }));
}

/**
 * The project's Alertmanager config for this environment with local endpoints: webhooks to the local fan-out,
 * the bearer token from a local file, and short group timings so notifications arrive in seconds.
 */
export function localAlertmanagerConfig(config: EnvironmentConfig, alertWebhookUrl: string, tokenFile: string): object {
  const rendered = JSON.stringify(alertmanagerConfig(config, { alertWebhookUrl }));
  const local = JSON.parse(
    rendered.split(JSON.stringify(ALERT_WEBHOOK_TOKEN_FILE)).join(JSON.stringify(tokenFile)),
  ) as {
    route: Record<string, unknown>;
  };
  local.route = { ...local.route, group_wait: '1s', group_interval: '5s', repeat_interval: '1h' };
  return local;
}

function summarizeSlack(request: RecordedRequest): string {
  const json = request.json as { text?: string; blocks?: { type?: string; text?: { text?: string } }[] } | undefined;
  const header = json?.blocks?.find((b) => b.type === 'header')?.text?.text;
  return (header ?? json?.text ?? request.body).replace(/\s+/g, ' ').slice(0, 160);
}

function summarizePagerDuty(request: RecordedRequest): string {
  const json = request.json as { event_action?: string; payload?: { summary?: string; severity?: string } } | undefined;
  return `${json?.event_action ?? '?'} [${json?.payload?.severity ?? '?'}] ${json?.payload?.summary ?? ''}`.slice(
    0,
    160,
  );
}

/** Records every request a SaaS stand-in accepts into the log (the stand-ins keep an in-memory list). */
function followStandIn(
  standIn: SaasStandIn,
  sink: 'slack' | 'pagerduty',
  log: NotificationLog,
  summarize: (r: RecordedRequest) => string,
) {
  let seen = 0;
  const timer = setInterval(() => {
    for (; seen < standIn.requests.length; seen++) {
      const request = standIn.requests[seen];
      if (!request || request.status < 200 || request.status >= 300) continue;
      log.record({
        sink,
        summary: summarize(request),
        payload: request.json ?? request.body,
        receivedAt: new Date(request.at).toISOString(),
      });
    }
  }, 100);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Starts the whole loop on loopback: Slack, PagerDuty and SNS stand-ins; two Pushgateways; the push ingestion
 * in front of them; the alert fan-out delivering to the stand-ins; Alertmanager with the project's routes for
 * `env`; Prometheus with the project's rules scraping it all. Everything stops with `stop()`.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  requireBinaries(LOCAL_STACK_BINARIES);
  const env = options.env ?? 'dev';
  const config = loadEnvironmentConfig(env);
  const workDir = path.resolve(options.workDir);
  const configDir = path.join(workDir, 'config');
  const dataDir = path.join(workDir, 'data');
  fs.mkdirSync(configDir, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const notifications = new NotificationLog(path.join(workDir, 'notifications.jsonl'), options.onNotification);

  const components: (RunningComponent | LocalServiceProcess | Restartable)[] = [];
  const standIns: { stop(): Promise<void> }[] = [];
  const unfollow: (() => void)[] = [];
  const log = (name: string) => (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim()) options.onLog?.(`[${name}] ${line}`);
  };
  const stop = async () => {
    for (const u of unfollow) u();
    // Producers first (Prometheus, Alertmanager), then the services they call, then the sinks.
    for (const component of [...components].reverse()) await component.stop();
    await Promise.all(standIns.map((s) => s.stop()));
  };

  try {
    const slack = await startSlackStandIn();
    const pagerduty = await startPagerDutyStandIn();
    const sns: SnsStandIn = await startSnsStandIn({
      onPublish: (message: PublishedMessage) =>
        notifications.record({
          sink: 'email',
          summary: message.subject ?? message.message.split('\n')[0] ?? '',
          payload: message,
        }),
    });
    const s3 = await startS3StandIn({
      directory: path.join(dataDir, 's3'),
      thanosBucket: LOCAL_THANOS_BUCKET,
      reportsBucket: LOCAL_REPORTS_BUCKET,
      labels: { cluster: config.clusterName, region: config.region, prometheus: 'monitoring/prometheus' },
    });
    standIns.push(slack, pagerduty, sns, s3);
    // One set of AWS settings for every local command: the same stand-ins, the same dummy credentials.
    const awsSettings = {
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ENDPOINT_URL_SNS: sns.url,
      AWS_REGION: config.region,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    };
    const topics = {
      summary: localTopicArn(config.region, 'weekly-summary'),
      // As in AWS: critical alerts are emailed only where the config says so (dev and staging do not).
      ...(config.alerting.email.criticalAlerts
        ? { criticalEmail: localTopicArn(config.region, 'critical-email') }
        : {}),
    };
    unfollow.push(followStandIn(slack, 'slack', notifications, summarizeSlack));
    unfollow.push(followStandIn(pagerduty, 'pagerduty', notifications, summarizePagerDuty));

    // A fresh password per start; Prometheus scrapes with it as the ServiceMonitor's basicAuth says.
    const pushgatewayAuth = { username: PUSHGATEWAY_AUTH_USER, password: randomBytes(20).toString('hex') };
    const pushgatewayAuthFile = path.join(configDir, 'pushgateway-auth.json');
    fs.writeFileSync(pushgatewayAuthFile, JSON.stringify(pushgatewayAuth), { mode: 0o600 });
    const pushgateways: Restartable[] = [];
    for (const replica of [0, 1]) {
      const dir = path.join(dataDir, `pushgateway-${replica}`);
      fs.mkdirSync(dir, { recursive: true });
      const port = await freePort();
      // Restartable on the same port and persistence file: stop one to watch PushgatewayDown fire and resolve.
      const pushgateway = await restartable({
        name: `pushgateway-${replica}`,
        pod: `pushgateway-${replica}`,
        port,
        url: `http://127.0.0.1:${port}`,
        start: () =>
          startPushgateway({
            port,
            persistenceFile: path.join(dir, 'metrics.db'),
            dataDir: dir,
            onOutput: log(`pushgateway-${replica}`),
            basicAuth: pushgatewayAuth,
          }),
      });
      components.push(pushgateway);
      pushgateways.push(pushgateway);
    }

    const ingest = await startLocalService({
      service: 'ingest',
      args: [
        ...pushgateways.flatMap((p) => ['--pushgateway', p.url]),
        '--store',
        path.join(dataDir, 'ingest-store.jsonl'),
        '--pushgateway-auth-file',
        pushgatewayAuthFile,
      ],
      onOutput: log('ingest'),
    });
    components.push(ingest);

    const token = randomBytes(24).toString('hex');
    const tokenFile = path.join(configDir, 'alert-webhook-token');
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    const alerts = await startLocalService({
      service: 'alerts',
      // From the file Alertmanager reads too: a token on the command line would show in ps. Alert history goes
      // where it goes in AWS, the reports bucket, so the weekly summary finds it there.
      args: ['--token-file', tokenFile, '--history-bucket', LOCAL_REPORTS_BUCKET],
      env: {
        SLACK_WEBHOOK_URL: slack.url,
        PAGERDUTY_EVENTS_URL: pagerduty.url,
        PAGERDUTY_ROUTING_KEY: LOCAL_ROUTING_KEY,
        ...(topics.criticalEmail ? { ALERT_EMAIL_TOPIC_ARN: topics.criticalEmail } : {}),
        ...awsSettings,
      },
      onOutput: log('alerts'),
    });
    components.push(alerts);

    const alertmanagerFile = path.join(configDir, 'alertmanager.yml');
    fs.writeFileSync(
      alertmanagerFile,
      stringify(localAlertmanagerConfig(config, `${alerts.url}/alerts`, tokenFile), { lineWidth: 0 }),
    );
    const alertmanagerData = path.join(dataDir, 'alertmanager');
    fs.mkdirSync(alertmanagerData, { recursive: true });
    // As in the cluster: Alertmanager replicas in one gossip cluster (the other replicas join replica 0).
    const alertmanagerClusterPort = await freePort();
    const alertmanager = await startAlertmanager({
      configFile: alertmanagerFile,
      dataDir: alertmanagerData,
      clusterPort: alertmanagerClusterPort,
      onOutput: log('alertmanager'),
    });
    components.push(alertmanager);
    const targets = await startLocalTargets({
      dataDir,
      alertmanager: {
        configFile: alertmanagerFile,
        peer: `127.0.0.1:${alertmanagerClusterPort}`,
        replicas: config.sizing.components.alertmanager.replicas,
      },
      log,
    });
    components.push(...targets.all);

    const rulesDir = path.join(configDir, 'rules');
    fs.rmSync(rulesDir, { recursive: true, force: true });
    fs.mkdirSync(rulesDir, { recursive: true });
    for (const file of ruleFiles(config)) {
      const groups = capForDurations(file.groups, options.maxFor ?? '10s');
      fs.writeFileSync(path.join(rulesDir, `${file.name}.yaml`), stringify({ groups }, { lineWidth: 0 }));
    }
    const prometheusPort = await freePort();
    const hostPort = (url: string) => url.replace(/^http:\/\//, '');
    const prometheusFile = path.join(configDir, 'prometheus.yml');
    fs.writeFileSync(
      prometheusFile,
      stringify({
        global: {
          scrape_interval: LOCAL_INTERVAL,
          evaluation_interval: LOCAL_INTERVAL,
          // The labels Prometheus carries in the cluster (the operator adds prometheus and prometheus_replica).
          external_labels: {
            cluster: config.clusterName,
            region: config.region,
            prometheus: 'monitoring/local',
            prometheus_replica: 'local-0',
          },
        },
        rule_files: [path.join(rulesDir, '*.yaml')],
        alerting: {
          alertmanagers: [
            {
              static_configs: [{ targets: [alertmanager, ...targets.alertmanagers].map((a) => hostPort(a.url)) }],
            },
          ],
        },
        // What the cluster scrapes, with its job names: derived from the rendered monitors (scrape-config.ts).
        scrape_configs: localScrapeConfigs(
          kubernetesObjects(config),
          localMonitorTargets({
            prometheus: { address: `127.0.0.1:${prometheusPort}` },
            alertmanagers: [
              { address: hostPort(alertmanager.url), pod: 'alertmanager-greenlang-0' },
              ...targets.alertmanagers.map((a) => ({ address: hostPort(a.url), pod: a.pod })),
            ],
            // In the cluster the monitor adds `pod`; it keeps the two replicas' copies of a group apart.
            pushgateways: pushgateways.map((p) => ({ address: hostPort(p.url), pod: p.pod })),
            targets,
          }),
          {
            [PUSHGATEWAY_AUTH_SECRET]: {
              [PUSHGATEWAY_AUTH_KEYS.username]: pushgatewayAuth.username,
              [PUSHGATEWAY_AUTH_KEYS.password]: pushgatewayAuth.password,
            },
          },
        ),
      }),
      // It holds the Pushgateways' password (the scrape's basic_auth), as pushgateway-auth.json does: owner only
      // (also a file an earlier run left readable: the mode applies only to a new file).
      { mode: 0o600 },
    );
    fs.chmodSync(prometheusFile, 0o600);
    const prometheusData = path.join(dataDir, 'prometheus');
    fs.mkdirSync(prometheusData, { recursive: true });
    const prometheus = await startPrometheus({
      configFile: prometheusFile,
      dataDir: prometheusData,
      port: prometheusPort,
      onOutput: log('prometheus'),
    });
    components.push(prometheus);

    const endpoints: LocalEndpoints = {
      env,
      prometheus: prometheus.url,
      alertmanager: alertmanager.url,
      alertmanagers: [alertmanager, ...targets.alertmanagers].map((a) => a.url),
      exporters: { postgres: targets.postgresExporter.url, redis: targets.redisExporter.url },
      databases: { postgres: targets.postgres.url, redis: targets.redis.url },
      ingest: ingest.url,
      alerts: alerts.url,
      pushgateways: pushgateways.map((p) => p.url),
      pushgatewayAuth: pushgatewayAuthFile,
      sinks: { slack: slack.url, pagerduty: pagerduty.url, sns: sns.url },
      s3: { url: s3.url, thanosBucket: s3.thanosBucket, reportsBucket: s3.reportsBucket },
      topics,
      awsEnv: path.join(workDir, 'aws.env'),
      notifications: notifications.file,
    };
    fs.writeFileSync(
      endpoints.awsEnv,
      `${Object.entries(awsSettings)
        .map(([name, value]) => `export ${name}=${value}`)
        .join('\n')}\n`,
    );
    fs.writeFileSync(path.join(workDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
    return { endpoints, components, targets, pushgateways, notifications, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type { ReceivedNotification };
