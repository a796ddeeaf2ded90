import { SEED_RETENTION_POLICY } from '../../../lambdas/domain/retention';
import { SEED_SIZING } from '../../../lambdas/domain/sizing';
import {
  ConfigError,
  ENVIRONMENT_NAMES,
  ENVIRONMENTS,
  type EnvironmentConfigInput,
  loadEnvironmentConfig,
  validateEnvironmentConfig,
} from '../../../lib/config';

const prod = ENVIRONMENTS.prod;

function errorOf(input: unknown): string {
  try {
    validateEnvironmentConfig(input, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('environment configuration', () => {
  it.each(ENVIRONMENT_NAMES)('%s is valid, named greenlang-<env>, with the seed retention and sizing', (name) => {
    const config = loadEnvironmentConfig(name);
    expect(config.name).toBe(name);
    expect(config.clusterName).toBe(`greenlang-${name}`);
    expect(config.retention).toEqual(SEED_RETENTION_POLICY);
    // dev runs one Grafana (sqlite on a PVC, grafana.database); everything else is the seed's sizing.
    const grafana =
      name === 'dev'
        ? { ...SEED_SIZING.components.grafana, replicas: 1, maxReplicas: 1 }
        : SEED_SIZING.components.grafana;
    expect(config.sizing).toEqual({ ...SEED_SIZING, components: { ...SEED_SIZING.components, grafana } });
    expect(config.availabilityZones.every((zone) => zone.startsWith(config.region))).toBe(true);
  });

  it('follows the seed notification policy: Slack everywhere, PagerDuty in prod only, weekly email summaries', () => {
    const enabled = ENVIRONMENT_NAMES.map((name) => {
      const { alerting, weeklySummary } = loadEnvironmentConfig(name);
      return [name, alerting.slack.enabled, alerting.pagerduty.enabled, weeklySummary.enabled];
    });
    expect(enabled).toEqual([
      ['dev', true, false, true],
      ['staging', true, false, true],
      ['prod', true, true, true],
    ]);
  });

  it('retains prod data', () => {
    expect(loadEnvironmentConfig('prod').removalPolicy).toBe('retain');
  });
});

describe('configuration errors', () => {
  it('names the allowed environments for an unknown one', () => {
    expect(() => loadEnvironmentConfig('qa')).toThrow('Unknown environment "qa": must be one of dev, staging, prod.');
  });

  it('names the field and the allowed values of a bad enum', () => {
    expect(errorOf({ ...prod, logLevel: 'TRACE' })).toContain(
      'logLevel: must be one of DEBUG, INFO, WARN, ERROR, got "TRACE"',
    );
  });

  it('names the allowed log retention periods', () => {
    expect(errorOf({ ...prod, logRetentionDays: 10 })).toContain('logRetentionDays: must be one of 1, 3, 5, 7, 14, 30');
  });

  it('names a nested field with the wrong type', () => {
    const input = { ...prod, alerting: { ...prod.alerting, pagerduty: { enabled: 'yes' } } };
    expect(errorOf(input)).toContain('alerting.pagerduty.enabled: expected true or false, got "yes"');
  });

  it('rejects unknown fields (typos)', () => {
    expect(errorOf({ ...prod, regoin: 'eu-west-1' })).toContain('unknown field(s) "regoin"');
  });

  it('rejects an account id that is not 12 digits and a zone outside the region', () => {
    const message = errorOf({ ...prod, account: '1234', availabilityZones: ['eu-west-1a', 'us-east-1b'] });
    expect(message).toContain('account: expected a 12-digit AWS account id, got "1234"');
  });

  it('rejects zones outside the region and a wrong cluster name', () => {
    const message = errorOf({ ...prod, availabilityZones: ['eu-west-1a', 'us-east-1b'], clusterName: 'prod' });
    expect(message).toContain('availabilityZones.1: "us-east-1b" is not in region eu-west-1');
    expect(message).toContain('clusterName: must be "greenlang-prod", got "prod"');
  });

  it('refuses to destroy prod data with the stack', () => {
    expect(errorOf({ ...prod, removalPolicy: 'destroy' })).toContain('removalPolicy: prod must be "retain"');
  });

  it('refuses Glacier Flexible Retrieval as a tier, naming the readable classes', () => {
    const tiers = prod.retention.tiers.map((t) => (t.name === 'cold' ? { ...t, storage: 'GLACIER' } : t));
    const message = errorOf({ ...prod, retention: { ...prod.retention, tiers } });
    expect(message).toContain(
      'retention.tiers.3.storage: must be one of LOCAL_SSD, STANDARD, INTELLIGENT_TIERING, STANDARD_IA, GLACIER_IR, got "GLACIER"',
    );
  });

  it('reports retention invariants on their field', () => {
    const input: EnvironmentConfigInput = {
      ...prod,
      retention: { ...prod.retention, resolutionDays: { raw: 30, '5m': 20, '1h': 730 } },
    };
    expect(errorOf(input)).toContain('retention.resolutionDays.5m: must be at least resolutionDays.raw (30), got 20');
  });

  it('reports sizing invariants on their field', () => {
    const components = {
      ...prod.sizing.components,
      thanosCompactor: { ...prod.sizing.components.thanosCompactor, replicas: 2, maxReplicas: 2 },
    };
    const input = { ...prod, sizing: { ...prod.sizing, components } };
    expect(errorOf(input)).toContain('sizing.components.thanosCompactor.replicas: the compactor must be a singleton');
  });

  it('says where the values came from', () => {
    expect(errorOf({ ...prod, logLevel: 'x' })).toMatch(/^Invalid configuration in test:\n {2}- /);
  });
});
