#!/usr/bin/env node
import './check-node';
import { App } from 'aws-cdk-lib';
import { buildEnvironment } from '../lib/app';
import { CONTEXT_KEYS, ConfigError, type EnvironmentConfig, loadEnvironmentConfig } from '../lib/config';

// The only place on the CDK side that reads context and the environment: `-c env=dev|staging|prod` (default
// dev); the deploy target from `-c account=… -c region=… [-c availabilityZones=a,b,c]`, the CDK CLI's
// CDK_DEFAULT_ACCOUNT, else the value file's. lib/config decides which source wins and why CDK_DEFAULT_REGION
// never does (docs/deploy.md, "Choose the target").
const app = new App();
const envName = String(app.node.tryGetContext(CONTEXT_KEYS.env) ?? 'dev');

let config: EnvironmentConfig;
try {
  config = loadEnvironmentConfig(envName, {
    context: {
      account: app.node.tryGetContext(CONTEXT_KEYS.account),
      region: app.node.tryGetContext(CONTEXT_KEYS.region),
      availabilityZones: app.node.tryGetContext(CONTEXT_KEYS.availabilityZones),
    },
    environment: {
      CDK_DEFAULT_ACCOUNT: process.env.CDK_DEFAULT_ACCOUNT,
      CDK_DEFAULT_REGION: process.env.CDK_DEFAULT_REGION,
    },
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`greenlang-observability (-c env=${envName}): ${error.message}`);
    process.exit(1);
  }
  throw error;
}

buildEnvironment(app, config);
app.synth();
