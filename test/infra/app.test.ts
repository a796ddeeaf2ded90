import { ENVIRONMENT_NAMES, loadEnvironmentConfig } from '../../lib/config';
import { synthesizeEnvironment } from '../support/cdk';

describe.each(ENVIRONMENT_NAMES)('the %s environment', (env) => {
  const { app, stacks } = synthesizeEnvironment(env);
  const config = loadEnvironmentConfig(env);

  it('is split by lifecycle into stacks named greenlang-<env>-*', () => {
    const names = app.node.children.filter((c) => 'stackName' in c).map((c) => (c as { stackName: string }).stackName);
    expect(names.sort()).toEqual([
      `greenlang-${env}-network`,
      `greenlang-${env}-ops`,
      `greenlang-${env}-platform`,
      `greenlang-${env}-storage`,
    ]);
    expect(Object.values(stacks).every((s) => s.stackName.startsWith(`greenlang-${env}-`))).toBe(true);
  });

  it('deploys to the configured account and region, tagged with the environment', () => {
    for (const stack of Object.values(stacks)) {
      expect([stack.account, stack.region]).toEqual([config.account, config.region]);
    }
    const tagged = [
      synthesizeEnvironment(env).template(stacks.storage).findResources('AWS::KMS::Key'),
      synthesizeEnvironment(env).template(stacks.network).findResources('AWS::EC2::VPC'),
      synthesizeEnvironment(env).template(stacks.ops).findResources('AWS::SNS::Topic'),
      synthesizeEnvironment(env).template(stacks.platform).findResources('AWS::KMS::Key'),
    ].flatMap((resources) => Object.values(resources) as { Properties: { Tags: { Key: string; Value: string }[] } }[]);
    expect(tagged.length).toBeGreaterThanOrEqual(4);
    for (const resource of tagged) {
      expect(resource.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'Environment', Value: env },
          { Key: 'Project', Value: 'greenlang-observability' },
        ]),
      );
    }
  });

  it(`${env === 'prod' ? 'protects' : 'does not protect'} its stacks from deletion`, () => {
    expect(Object.values(stacks).map((s) => s.terminationProtection)).toEqual([
      env === 'prod',
      env === 'prod',
      env === 'prod',
      env === 'prod',
    ]);
  });

  it('places the VPC in the configured zones, with a NAT gateway count from the config', () => {
    const network = synthesizeEnvironment(env).template(stacks.network);
    const zones = Object.values(network.findResources('AWS::EC2::Subnet')).map(
      (s) => (s as { Properties: { AvailabilityZone: string } }).Properties.AvailabilityZone,
    );
    expect([...new Set(zones)].sort()).toEqual([...config.availabilityZones].sort());
    expect(Object.keys(network.findResources('AWS::EC2::NatGateway'))).toHaveLength(config.natGateways);
    network.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  });
});
