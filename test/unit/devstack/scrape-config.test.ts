import { loadEnvironmentConfig } from '../../../lib/config';
import { relabel } from '../../../lib/contract/relabel';
import { localScrapeConfigs } from '../../../lib/devstack/scrape-config';
import { kubernetesObjects } from '../../../lib/k8s';
import { PUSHGATEWAY_AUTH_SECRET } from '../../../lib/k8s/pushgateway-auth';
import { JOBS } from '../../../lib/rules/conventions';

const objects = kubernetesObjects(loadEnvironmentConfig('dev'));

/** The labels Prometheus gives each static target after relabeling (as the scrape config says). */
function targetLabels(config: ReturnType<typeof localScrapeConfigs>[number]) {
  return config.static_configs.map((sc) =>
    relabel({ ...sc.labels, job: config.job_name, __address__: sc.targets[0] ?? '' }, config.relabel_configs),
  );
}

describe('the local scrape configuration, derived from the rendered monitors', () => {
  it('gives local targets the job, namespace and pod labels the cluster gives them', () => {
    const configs = localScrapeConfigs(objects, {
      alertmanager: [
        { address: '127.0.0.1:1', pod: 'alertmanager-greenlang-0' },
        { address: '127.0.0.1:2', pod: 'alertmanager-greenlang-1' },
      ],
      'postgres-exporter': [{ address: '127.0.0.1:3', pod: 'postgres-exporter-0' }],
    });
    expect(configs.map((c) => c.job_name)).toEqual([
      'podMonitor/monitoring/alertmanager/0',
      'serviceMonitor/monitoring/postgres-exporter/0',
    ]);
    const [am, pg] = configs.map(targetLabels);
    expect(am?.map((l) => [l?.job, l?.namespace, l?.pod])).toEqual([
      [JOBS.alertmanager, 'monitoring', 'alertmanager-greenlang-0'],
      [JOBS.alertmanager, 'monitoring', 'alertmanager-greenlang-1'],
    ]);
    expect(pg?.[0]).toMatchObject({ job: JOBS.postgres, service: 'postgres-exporter', pod: 'postgres-exporter-0' });
  });

  const secrets = { [PUSHGATEWAY_AUTH_SECRET]: { username: 'greenlang', password: 'pw' } };

  it('keeps the Pushgateway monitor’s honor_labels, so pushed groups keep their own job', () => {
    const [pushgateway] = localScrapeConfigs(
      objects,
      { pushgateway: [{ address: '127.0.0.1:4', pod: 'pushgateway-0' }] },
      secrets,
    );
    expect(pushgateway?.honor_labels).toBe(true);
    expect(targetLabels(pushgateway as never)[0]?.job).toBe(JOBS.pushgateway);
  });

  it('scrapes with the credentials the monitor’s basicAuth names, and refuses to scrape without them', () => {
    const [pushgateway] = localScrapeConfigs(
      objects,
      { pushgateway: [{ address: '127.0.0.1:4', pod: 'pushgateway-0' }] },
      secrets,
    );
    expect(pushgateway?.basic_auth).toEqual({ username: 'greenlang', password: 'pw' });
    expect(() =>
      localScrapeConfigs(objects, { pushgateway: [{ address: '127.0.0.1:4', pod: 'pushgateway-0' }] }),
    ).toThrow(`monitor "pushgateway": basicAuth needs secret ${PUSHGATEWAY_AUTH_SECRET} key username, not given`);
  });

  it('refuses a local target for a monitor the cluster does not render', () => {
    expect(() => localScrapeConfigs(objects, { 'memcached-exporter': [{ address: '127.0.0.1:5', pod: 'x' }] })).toThrow(
      'local scrape target "memcached-exporter": no rendered ServiceMonitor or PodMonitor has that name',
    );
  });
});
