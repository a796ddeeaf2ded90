#!/usr/bin/env node
import './check-node';
import { App } from 'aws-cdk-lib';
import { buildEnvironment } from '../lib/app';
import { ConfigError, type EnvironmentConfig, loadEnvironmentConfig } from '../lib/config';

// The only place on the CDK side that reads context: `-c env=dev|staging|prod`, default dev.
const app = new App();
const envName = String(app.node.tryGetContext('env') ?? 'dev');

let config: EnvironmentConfig;
try {
  config = loadEnvironmentConfig(envName);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`greenlang-observability (-c env=${envName}): ${error.message}`);
    process.exit(1);
  }
  throw error;
}

buildEnvironment(app, config);
app.synth();
