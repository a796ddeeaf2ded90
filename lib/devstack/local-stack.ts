import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import S3rver from 's3rver';
import { stringify } from 'yaml';
import { alertmanagerConfig } from '../alerting/alertmanager-config';
import { type EnvironmentConfig, type EnvironmentName, loadEnvironmentConfig } from '../config';
import { ALERT_WEBHOOK_TOKEN_FILE } from '../naming';
import { type RuleGroup, ruleFiles } from '../rules';
import { type RunningComponent, startAlertmanager, startPrometheus, startPushgateway } from './components';
import { type LocalServiceProcess, startLocalService } from './local-service';
import { NotificationLog, type ReceivedNotification } from './notification-log';
import { freePort, requireBinaries } from './processes';
import { type RecordedRequest, type SaasStandIn, startPagerDutyStandIn, startSlackStandIn } from './saas-standins';
import { type PublishedMessage, type SnsStandIn, startSnsStandIn } from './sns-standin';

/** What `npm start` runs, and where. Written to `<workDir>/endpoints.json`. */
export interface LocalEndpoints {
  readonly env: EnvironmentName;
  readonly prometheus: string;
  readonly alertmanager: string;
  /** The push ingestion (Pushgateway API, writes every replica). */
  readonly ingest: string;
  /** The alert fan-out (Alertmanager's webhook target: `<alerts>/alerts`). */
  readonly alerts: string;
  readonly pushgateways: readonly string[];
  /** The stand-ins for Slack, PagerDuty and SNS (email). */
  readonly sinks: { readonly slack: string; readonly pagerduty: string; readonly sns: string };
  /** An S3 stand-in (path-style, any credentials `S3RVER`/`S3RVER`) with a Thanos and a reports bucket. */
  readonly s3: { readonly url: string; readonly thanosBucket: string; readonly reportsBucket: string };
  readonly notifications: string;
}

export interface LocalStack {
  readonly endpoints: LocalEndpoints;
  readonly components: readonly (RunningComponent | LocalServiceProcess)[];
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

/** Scrape and evaluation interval of the local Prometheus (the cluster's is 15s). */
const LOCAL_INTERVAL = '2s';
/** A PagerDuty routing key is 32 characters; the stand-in checks it. */
const LOCAL_ROUTING_KEY = 'greenlanglocalroutingkey00000000';
const LOCAL_TOPIC_ARN = 'arn:aws:sns:eu-west-1:000000000000:greenlang-local-critical-email';
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
  requireBinaries(['prometheus', 'alertmanager', 'pushgateway']);
  const env = options.env ?? 'dev';
  const config = loadEnvironmentConfig(env);
  const workDir = path.resolve(options.workDir);
  const configDir = path.join(workDir, 'config');
  const dataDir = path.join(workDir, 'data');
  fs.mkdirSync(configDir, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const notifications = new NotificationLog(path.join(workDir, 'notifications.jsonl'), options.onNotification);

  const components: (RunningComponent | LocalServiceProcess)[] = [];
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
    const s3Dir = path.join(dataDir, 's3');
    fs.mkdirSync(s3Dir, { recursive: true });
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: await freePort(),
      directory: s3Dir,
      silent: true,
      configureBuckets: [LOCAL_THANOS_BUCKET, LOCAL_REPORTS_BUCKET].map((name) => ({ name, configs: [] })),
    });
    const s3Address = await s3.run();
    standIns.push(slack, pagerduty, sns, { stop: () => s3.close() });
    unfollow.push(followStandIn(slack, 'slack', notifications, summarizeSlack));
    unfollow.push(followStandIn(pagerduty, 'pagerduty', notifications, summarizePagerDuty));

    const pushgateways: RunningComponent[] = [];
    for (const replica of [0, 1]) {
      const dir = path.join(dataDir, `pushgateway-${replica}`);
      fs.mkdirSync(dir, { recursive: true });
      const pushgateway = await startPushgateway({
        persistenceFile: path.join(dir, 'metrics.db'),
        dataDir: dir,
        onOutput: log(`pushgateway-${replica}`),
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
      ],
      onOutput: log('ingest'),
    });
    components.push(ingest);

    const token = randomBytes(24).toString('hex');
    const tokenFile = path.join(configDir, 'alert-webhook-token');
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
    const alerts = await startLocalService({
      service: 'alerts',
      args: ['--token', token, '--history-dir', path.join(workDir, 'reports')],
      env: {
        SLACK_WEBHOOK_URL: slack.url,
        PAGERDUTY_EVENTS_URL: pagerduty.url,
        PAGERDUTY_ROUTING_KEY: LOCAL_ROUTING_KEY,
        ALERT_EMAIL_TOPIC_ARN: LOCAL_TOPIC_ARN,
        AWS_ENDPOINT_URL_SNS: sns.url,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
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
    const alertmanager = await startAlertmanager({
      configFile: alertmanagerFile,
      dataDir: alertmanagerData,
      onOutput: log('alertmanager'),
    });
    components.push(alertmanager);

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
        alerting: { alertmanagers: [{ static_configs: [{ targets: [hostPort(alertmanager.url)] }] }] },
        scrape_configs: [
          { job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${prometheusPort}`] }] },
          { job_name: 'alertmanager', static_configs: [{ targets: [hostPort(alertmanager.url)] }] },
          // As in the cluster: the Pushgateways' own labels (job, instance of the pushing job) are kept.
          {
            job_name: 'pushgateway',
            honor_labels: true,
            // In the cluster the ServiceMonitor adds `pod`; it keeps the two replicas' copies of a group apart.
            static_configs: pushgateways.map((p, i) => ({
              targets: [hostPort(p.url)],
              labels: { pod: `pushgateway-${i}` },
            })),
          },
        ],
      }),
    );
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
      ingest: ingest.url,
      alerts: alerts.url,
      pushgateways: pushgateways.map((p) => p.url),
      sinks: { slack: slack.url, pagerduty: pagerduty.url, sns: sns.url },
      s3: {
        url: `http://127.0.0.1:${s3Address.port}`,
        thanosBucket: LOCAL_THANOS_BUCKET,
        reportsBucket: LOCAL_REPORTS_BUCKET,
      },
      notifications: notifications.file,
    };
    fs.writeFileSync(path.join(workDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
    return { endpoints, components, notifications, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type { ReceivedNotification };
