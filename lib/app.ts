import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { EnvironmentConfig } from './config';
import { stackName } from './naming';
import { NetworkStack } from './stacks/network-stack';
import { OpsStack } from './stacks/ops-stack';
import { PlatformStack } from './stacks/platform-stack';
import { StorageStack } from './stacks/storage-stack';

/** The stacks of one environment, split by lifecycle. */
export interface EnvironmentStacks {
  readonly storage: StorageStack;
  readonly network: NetworkStack;
  readonly platform: PlatformStack;
  readonly ops: OpsStack;
}

/**
 * Adds one environment's stacks to the app, tagged, with cdk-nag AwsSolutions checks on every stack (an
 * unsuppressed finding is an error annotation, which fails `cdk synth`).
 */
export function buildEnvironment(app: App, config: EnvironmentConfig): EnvironmentStacks {
  const env = { account: config.account, region: config.region };
  const common = { env, terminationProtection: config.name === 'prod' };

  const storage = new StorageStack(app, stackName(config.name, 'storage'), {
    ...common,
    description: `GreenLang observability (${config.name}): Thanos and reports buckets, KMS keys`,
    config,
  });
  const network = new NetworkStack(app, stackName(config.name, 'network'), {
    ...common,
    description: `GreenLang observability (${config.name}): VPC`,
    config,
  });
  const platform = new PlatformStack(app, stackName(config.name, 'platform'), {
    ...common,
    description: `GreenLang observability (${config.name}): EKS cluster, IRSA roles, add-ons and monitoring workloads`,
    config,
    vpc: network.vpc,
    thanosKey: storage.thanosKey,
  });
  platform.addStackDependency(network, 'the cluster runs in the VPC');
  platform.addStackDependency(storage, 'the Thanos IRSA roles are granted the bucket and its key');
  const ops = new OpsStack(app, stackName(config.name, 'ops'), {
    ...common,
    description: `GreenLang observability (${config.name}): serverless ops functions`,
    config,
    vpc: network.vpc,
    thanosBucket: storage.thanosBucket,
    thanosKey: storage.thanosKey,
    reportsBucket: storage.reportsBucket,
    reportsKey: storage.reportsKey,
  });

  Tags.of(app).add('Project', 'greenlang-observability');
  Tags.of(app).add('Environment', config.name);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { storage, network, platform, ops };
}
