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

describe('the deploy target (account, region, zones)', () => {
  it('comes from the value file when nothing else is given', () => {
    const config = loadEnvironmentConfig('staging');
    expect([config.account, config.region]).toEqual([ENVIRONMENTS.staging.account, ENVIRONMENTS.staging.region]);
  });

  it('takes CDK_DEFAULT_ACCOUNT over the value file', () => {
    const config = loadEnvironmentConfig('dev', { environment: { CDK_DEFAULT_ACCOUNT: '444455556666' } });
    expect([config.account, config.region]).toEqual(['444455556666', 'eu-west-1']);
  });

  it("keeps the value file's region over CDK_DEFAULT_REGION (the CLI sets it to us-east-1 when nothing is configured)", () => {
    const config = loadEnvironmentConfig('dev', { environment: { CDK_DEFAULT_REGION: 'us-east-1' } });
    expect([config.region, config.availabilityZones]).toEqual(['eu-west-1', ENVIRONMENTS.dev.availabilityZones]);
  });

  it('takes -c account / -c region / -c availabilityZones over everything', () => {
    const config = loadEnvironmentConfig('prod', {
      context: {
        account: '777788889999',
        region: 'eu-central-1',
        availabilityZones: 'eu-central-1a, eu-central-1b,eu-central-1c',
      },
      environment: { CDK_DEFAULT_ACCOUNT: '444455556666', CDK_DEFAULT_REGION: 'us-east-1' },
    });
    expect([config.account, config.region, config.availabilityZones]).toEqual([
      '777788889999',
      'eu-central-1',
      ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
    ]);
  });

  it('validates an overridden account and names where it came from', () => {
    expect(() => loadEnvironmentConfig('dev', { context: { account: '12345' } })).toThrow(
      /Invalid configuration in lib\/config\/environments\/dev\.ts \+ -c account:\n {2}- account: expected a 12-digit AWS account id, got "12345"/,
    );
  });

  it("asks for the zones of a region other than the value file's", () => {
    expect(() => loadEnvironmentConfig('dev', { context: { region: 'us-east-1' } })).toThrow(
      'region "us-east-1" (from -c region) is not the region of lib/config/environments/dev.ts (eu-west-1): pass its zones too, e.g. -c availabilityZones=us-east-1a,us-east-1b,us-east-1c',
    );
  });

  it('still checks that the zones belong to the region', () => {
    expect(() =>
      loadEnvironmentConfig('dev', { context: { region: 'us-east-1', availabilityZones: 'eu-west-1a,eu-west-1b' } }),
    ).toThrow('availabilityZones.0: "eu-west-1a" is not in region us-east-1');
  });
});

describe('access and node group configuration', () => {
  it('refuses a configuration with no way in', () => {
    expect(
      errorOf({ ...prod, access: { ...prod.access, sessionManagerHost: false, publicEndpointCidrs: [] } }),
    ).toContain('access: no way in: turn sessionManagerHost on or list publicEndpointCidrs');
  });

  it('refuses a public endpoint open to the internet, and a role ARN where a name belongs', () => {
    const message = errorOf({
      ...prod,
      access: { ...prod.access, publicEndpointCidrs: ['0.0.0.0/0'], adminRoleNames: ['arn:aws:iam::1:role/x'] },
    });
    expect(message).toContain('access.publicEndpointCidrs.0: "0.0.0.0/0" opens the API endpoint to the internet');
    expect(message).toContain('access.adminRoleNames.0: expected an IAM role name');
  });

  it('needs an admin role and a max per zone of at least the min', () => {
    const message = errorOf({
      ...prod,
      access: { ...prod.access, adminRoleNames: [] },
      nodeGroups: { ...prod.nodeGroups, minPerZone: 3, maxPerZone: 2 },
    });
    expect(message).toContain('access.adminRoleNames: must name at least one admin role');
    expect(message).toContain('nodeGroups.maxPerZone: must be at least minPerZone (3)');
  });
});

describe('the store gateway memory budget, checked when the config loads (so at synth)', () => {
  it("stops the seed's literal 1GB + 2GB in-memory caches inside the 4Gi limit", () => {
    const input = {
      ...prod,
      sizing: { ...prod.sizing, thanosStore: { ...prod.sizing.thanosStore, chunkCacheSize: '2GB' } },
    };
    expect(errorOf(input)).toContain(
      'sizing.thanosStore: caches 1GB + 2GB leave 0.60GiB under GOMEMLIMIT 3.60GiB (90% of the 4Gi limit)',
    );
  });
});
