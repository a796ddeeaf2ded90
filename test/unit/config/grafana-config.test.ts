import { ConfigError, ENVIRONMENTS, loadEnvironmentConfig, validateEnvironmentConfig } from '../../../lib/config';

function errorOf(input: unknown): string {
  try {
    validateEnvironmentConfig(input, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

const { dev, staging } = ENVIRONMENTS;
const grafanaOf = (env: typeof dev) => env.grafana;

describe('grafana configuration', () => {
  it('dev keeps one replica on sqlite; staging and prod share an RDS PostgreSQL database', () => {
    expect(loadEnvironmentConfig('dev').grafana.database.engine).toBe('sqlite');
    expect(loadEnvironmentConfig('dev').sizing.components.grafana.replicas).toBe(1);
    for (const env of ['staging', 'prod'] as const) {
      expect(loadEnvironmentConfig(env).grafana.database.engine).toBe('postgres');
      expect(loadEnvironmentConfig(env).sizing.components.grafana.replicas).toBe(2);
    }
    expect(loadEnvironmentConfig('prod').grafana.database).toMatchObject({ multiAz: true, deletionProtection: true });
  });

  it('refuses a hostname outside the private zone ExternalDNS publishes to', () => {
    const input = { ...staging, grafana: { ...grafanaOf(staging), hostname: 'grafana.example.com' } };
    expect(errorOf(input)).toContain(
      'grafana.hostname: must be in the private zone monitoring.greenlang-staging.internal (ExternalDNS publishes there only), got "grafana.example.com"',
    );
  });

  it('refuses sqlite with more than one replica', () => {
    const sizing = staging.sizing;
    const input = {
      ...dev,
      grafana: { ...grafanaOf(dev), database: { engine: 'sqlite', storage: '5Gi' } },
      sizing: { ...sizing, components: { ...sizing.components, grafana: { ...sizing.components.grafana } } },
    };
    expect(errorOf(input)).toContain(
      'sizing.components.grafana.maxReplicas: sqlite is one file per pod: run 1 Grafana replica or use grafana.database.engine "postgres", got 2',
    );
  });

  it('refuses sqlite outside dev', () => {
    const input = {
      ...staging,
      grafana: { ...grafanaOf(staging), database: { engine: 'sqlite', storage: '5Gi' } },
      sizing: dev.sizing,
    };
    expect(errorOf(input)).toContain('grafana.database.engine: staging must use "postgres"');
  });

  it('names a bad engine, a bad CA ARN and an empty CIDR list', () => {
    expect(errorOf({ ...staging, grafana: { ...grafanaOf(staging), database: { engine: 'mysql' } } })).toContain(
      'grafana.database.engine must be "sqlite" or "postgres"',
    );
    expect(
      errorOf({ ...staging, grafana: { ...grafanaOf(staging), certificateAuthorityArn: 'arn:aws:acm:x' } }),
    ).toContain('grafana.certificateAuthorityArn: expected an AWS Private CA ARN');
    expect(errorOf({ ...staging, grafana: { ...grafanaOf(staging), allowedCidrs: [] } })).toContain(
      'grafana.allowedCidrs: must list at least one CIDR',
    );
  });
});
